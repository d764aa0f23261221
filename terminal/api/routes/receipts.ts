// Receipts: a copy of a payment's receipt, which fails loudly (503) when nothing came out of the printer.
import { z } from 'zod';
import { TesseraError } from '#common';
import { route } from '../http.js';

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
      const printer = ctx.daemon.printer?.status?.();
      const why = r.receipt.code ? `${r.receipt.code}: ${r.receipt.message ?? ''}` : r.receipt.status;
      const state = printer ? ` (printer ${printer.state}${printer.paper ? `, paper ${printer.paper}` : ''}${printer.coverOpen ? ', cover open' : ''})` : '';
      throw new TesseraError('PRINTER_UNAVAILABLE', `receipt for #${r.journalIndex} not printed: ${why}${state}`, {
        details: { httpStatus: 503, answer: { ...r, ...(printer ? { printer } : {}) } },
      });
    },
  }),
];
