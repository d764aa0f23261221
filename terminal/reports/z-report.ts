// The Z-report: a terminal's totals for one calendar day in the merchant's time zone, computed from journal rows (pure).
import { dayRange } from '#common';
import { ADJUSTMENT, type AdjustmentKind } from '#protocol';
import { paymentOf, type JournalRow } from '../store/index.js';

/** Every kind of adjustment, in the protocol's order (void, refund). */
export const ADJUSTMENT_KINDS = Object.keys(ADJUSTMENT) as AdjustmentKind[];

export interface Tally {
  count: number;
  amount: number;
}

export interface ZCurrencyTotals {
  currency: string;
  approved: Tally;
  /** Declined payments in this currency: `amount` is what they asked (nothing was taken). */
  declined: Tally;
  adjustments: Record<AdjustmentKind, Tally>;
  /** Approved minus every adjustment: what the day leaves the merchant in this currency. */
  net: number;
}

export interface ZRecordRef {
  index: number;
  time: string;
  timeMs: number;
}

export interface ZReport {
  terminalId: string;
  date: string;
  timeZone: string;
  /** The day as a half-open range [from, to) (ISO 8601 UTC; DST days are 23 or 25 hours long). */
  from: string;
  to: string;
  /** Journal records of the day (approvals, declines, adjustments). */
  records: number;
  /** Per currency, sorted by code. */
  currencies: ZCurrencyTotals[];
  /** Declined records whose payment cannot be read back: counted, no amount. */
  declinedWithoutCurrency: number;
  /** The day's first and last journal record (by index). */
  first: ZRecordRef | null;
  last: ZRecordRef | null;
}

const tally = (): Tally => ({ count: 0, amount: 0 });

/**
 * Totals of `date` (YYYY-MM-DD, in `timeZone`) over `rows`: rows outside the day are left out, so a
 * caller may pass more. Voids and refunds (the records that journal them) are `adjustments` and
 * count on the day of their own time, whichever day the payment they undo was on.
 */
export function zReport(rows: Iterable<JournalRow>, day: { date: string; timeZone: string; terminalId: string }): ZReport {
  const range = dayRange(day.date, day.timeZone);
  const fromMs = range.from * 1000;
  const toMs = range.to * 1000;
  const inDay = (ms: number): boolean => ms >= fromMs && ms < toMs;
  const byCurrency = new Map<string, ZCurrencyTotals>();
  const totals = (currency: string): ZCurrencyTotals => {
    let c = byCurrency.get(currency);
    if (!c) byCurrency.set(currency, (c = { currency, approved: tally(), declined: tally(), adjustments: { void: tally(), refund: tally() }, net: 0 }));
    return c;
  };
  let records = 0;
  let declinedWithoutCurrency = 0;
  let first: ZRecordRef | null = null;
  let last: ZRecordRef | null = null;
  const see = (index: number, timeMs: number): void => {
    records++;
    const ref = { index, time: new Date(timeMs).toISOString(), timeMs };
    if (!first || index < first.index) first = ref;
    if (!last || index > last.index) last = ref;
  };
  for (const r of rows) {
    if (!inDay(r.timeMs)) continue;
    see(r.idx, r.timeMs);
    // A void or refund journalled here: what it gave back, in the payment's currency.
    if (r.adjustment !== null) {
      add(totals(r.currency ?? '').adjustments[r.adjustment === ADJUSTMENT.void ? 'void' : 'refund'], r.amount);
      continue;
    }
    if (r.decision === 0) {
      add(totals(r.currency ?? '').approved, r.amount);
      continue;
    }
    // A decline charged nothing; what it asked for is in the payment it records.
    const asked = r.currency ? { currency: r.currency, amount: r.amount } : paymentOf(r);
    if (asked) add(totals(asked.currency).declined, asked.amount);
    else declinedWithoutCurrency++;
  }
  const currencies = [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
  for (const c of currencies) c.net = c.approved.amount - ADJUSTMENT_KINDS.reduce((s, k) => s + c.adjustments[k].amount, 0);
  return {
    terminalId: day.terminalId,
    date: range.date,
    timeZone: range.timeZone,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    records,
    currencies,
    declinedWithoutCurrency,
    first,
    last,
  };
}

function add(t: Tally, amount: number): void {
  t.count++;
  t.amount += amount;
}
