// Receipts: a copy of a payment's receipt, which fails loudly (503) when nothing came out of the printer.
import { z } from 'zod';
import { TesseraError } from '#common';
import { route, type ApiContext } from '../http.js';

/** A print that did not happen, as a 503 PRINTER_UNAVAILABLE whose details carry what was tried and the printer's state. */
export function printerFailure(ctx: ApiContext, what: string, why: { code?: string; message?: string; status?: string }, answer: Record<string, unknown>): TesseraError {
  const printer = ctx.daemon.printer?.status?.();
  const reason = why.code ? `${why.code}: ${why.message ?? ''}` : (why.status ?? 'not printed');
  const state = printer ? ` (printer ${printer.state}${printer.paper ? `, paper ${printer.paper}` : ''}${printer.coverOpen ? ', cover open' : ''})` : '';
  return new TesseraError('PRINTER_UNAVAILABLE', `${what} not printed: ${reason}${state}`, { details: { httpStatus: 503, answer: { ...answer, ...(printer ? { printer } : {}) } } });
}

export const receiptRoutes = [
  route({
    method: 'POST',
    path: '/v1/reprint',
    summary: 'Print a copy of an approved payment\'s receipt (default: the latest approval); 503 PRINTER_UNAVAILABLE when it did not print',
    body: z.strictObject({ txId: z.string().describe('Transaction id (64 hex); default: the latest approved payment.').optional() }),
    responses: { 200: 'printed: { txId, journalIndex, receipt }', 503: 'not printed: error.details has the receipt outcome and the printer\'s state' },
    async handle(ctx, { body }) {
      const r = await ctx.checkout.reprint(body.txId);
      if (r.receipt.status === 'printed') return { status: 200, body: r };
      throw printerFailure(ctx, `receipt for #${r.journalIndex}`, r.receipt, r);
    },
  }),
];
