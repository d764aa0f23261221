// Reports over the journal: the Z-report (one day's totals in the merchant's time zone), as JSON or printed.
import { z } from 'zod';
import { TesseraError, dayRange, errorMessage, isTesseraError, localDate } from '#common';
import { route, type ApiContext } from '../http.js';
import { zReport, type ZReport } from '../../reports/z-report.js';
import { zSlip } from '../../reports/z-slip.js';
import { printerFailure } from './receipts.js';

const DATE = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a calendar day YYYY-MM-DD')
  .describe("A calendar day in the merchant's time zone (locale.timeZone); default: today there.");

function computeZ(ctx: ApiContext, date: string | undefined): ZReport {
  const terminalId = ctx.daemon.identity?.terminalId;
  if (!terminalId) throw new TesseraError('TERMINAL_NOT_READY', 'the terminal identity is not loaded');
  const timeZone = ctx.locale.timeZone;
  const day = dayRange(date ?? localDate(ctx.clock.now(), timeZone), timeZone);
  return zReport(ctx.store.iterateRows({ fromMs: day.from * 1000, toMs: day.to * 1000 }), { date: day.date, timeZone, terminalId });
}

export const reportRoutes = [
  route({
    method: 'GET',
    path: '/v1/reports/z',
    summary: "Z-report: one day's approved and declined payments per currency, adjustments, net, first and last record",
    query: z.strictObject({ date: DATE.optional() }),
    responses: { 200: 'the report' },
    handle: (ctx, { query }) => ({ status: 200, body: computeZ(ctx, query.date) }),
  }),
  route({
    method: 'POST',
    path: '/v1/reports/z/print',
    summary: 'Print the Z-report on the receipt printer, in the merchant\'s language; 503 PRINTER_UNAVAILABLE when it did not print',
    body: z.strictObject({ date: DATE.optional() }),
    responses: { 200: 'printed: { printed: true, report }', 503: "not printed: error.details has the printer's answer and state" },
    async handle(ctx, { body }) {
      const report = computeZ(ctx, body.date);
      const printer = ctx.daemon.printer;
      if (!printer) throw new TesseraError('PRINTER_UNAVAILABLE', 'no printer is configured');
      const id = ctx.daemon.identity;
      const slip = zSlip(report, {
        merchantName: id?.displayName ?? report.terminalId,
        merchantLines: [`${id?.merchantId ?? ''} · ${report.terminalId}`],
        language: ctx.locale.language,
        at: ctx.clock.now(),
      });
      let outcome: { ok: boolean; code?: string; message?: string } | void;
      try {
        outcome = await printer.print(slip);
      } catch (e) {
        outcome = { ok: false, code: isTesseraError(e) ? e.code : 'PRINTER_ERROR', message: errorMessage(e) };
      }
      if (outcome && !outcome.ok) throw printerFailure(ctx, `Z-report ${report.date}`, { code: outcome.code ?? 'PRINTER_ERROR', message: outcome.message ?? '' }, { report });
      return { status: 200, body: { printed: true, report } };
    },
  }),
];
