// The Z-report as rows of labels and amounts in the merchant's language: printed as a slip, and shown by `tessera z-report`.
import { formatAmount, message } from '#common';
import type { ReportRow, ReportSlip } from '#drivers';
import { ADJUSTMENT_KINDS, type ZReport } from './z-report.js';

const ADJUSTMENT_LABEL = { void: 'zVoids', refund: 'zRefunds' } as const;

/** The report's rows: per currency approved, declined, adjustments and net; then the first and last record. */
export function zRows(z: ZReport, language?: string, timeZone = z.timeZone): ReportRow[] {
  const rows: ReportRow[] = [{ label: message(language, 'zTerminal'), value: z.terminalId }, { rule: true }];
  if (z.records === 0) return [...rows, { label: message(language, 'zNothing') }];
  const money = (amount: number, currency: string): string => formatAmount(amount, currency, language);
  for (const c of z.currencies) {
    rows.push({ label: message(language, 'zApproved', { count: String(c.approved.count) }), value: money(c.approved.amount, c.currency) });
    if (c.declined.count) rows.push({ label: message(language, 'zDeclined', { count: String(c.declined.count) }), value: money(c.declined.amount, c.currency) });
    for (const k of ADJUSTMENT_KINDS) {
      const a = c.adjustments[k];
      if (a.count) rows.push({ label: message(language, ADJUSTMENT_LABEL[k], { count: String(a.count) }), value: `-${money(a.amount, c.currency)}` });
    }
    rows.push({ label: message(language, 'zNet'), value: money(c.net, c.currency), bold: true }, { rule: true });
  }
  if (z.declinedWithoutCurrency) rows.push({ label: message(language, 'zDeclined', { count: String(z.declinedWithoutCurrency) }), value: '-' });
  for (const [key, ref] of [['zFirst', z.first], ['zLast', z.last]] as const) {
    if (ref) rows.push({ label: message(language, key, { index: String(ref.index) }), value: timeOfDay(ref.timeMs, timeZone) });
  }
  return rows;
}

/** 14:03:09 on the zone's clock: the day is the report's, so the time alone fits a 58 mm line. */
function timeOfDay(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(ms);
}

/** The slip the receipt printer prints, headed like a receipt. */
export function zSlip(z: ZReport, o: { merchantName: string; merchantLines?: string[]; header?: string[]; language?: string; at: number }): ReportSlip {
  return {
    kind: 'report',
    documentId: `Z ${z.date}`,
    ...(o.header?.length ? { header: o.header } : {}),
    merchantName: o.merchantName,
    ...(o.merchantLines ? { merchantLines: o.merchantLines } : {}),
    ...(o.language ? { language: o.language } : {}),
    title: message(o.language, 'zReport', { date: z.date }),
    at: o.at,
    timeZone: z.timeZone,
    rows: zRows(z, o.language),
  };
}
