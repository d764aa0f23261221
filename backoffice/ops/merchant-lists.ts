// A merchant's refunds and payouts as keyset-paged lists, newest first (the API's and dashboard's refunds and payouts pages).
import { TesseraError } from '#common';
import { merchantAccount, type Ledger } from '../ledger.js';
import { all } from './db.js';
import { idOf, txIdOf } from './ids.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageInput } from './paging.js';
import { refundOf, type RefundView } from './refund-rows.js';
import { Where } from './where.js';
import { ledgerCurrency, money, num, type Money } from './view.js';

const DAY = 86_400;

/** Unix-seconds bounds (from inclusive, to exclusive), checked as the other lists check them. */
function addSpan(w: Where, column: string, f: { from?: number | undefined; to?: number | undefined }): void {
  for (const [name, v] of [['from', f.from], ['to', f.to]] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw new TesseraError('USAGE', `${name} must be Unix seconds, got ${v}`);
  }
  if (f.from !== undefined) w.add(`${column} >= ?`, f.from);
  if (f.to !== undefined) w.add(`${column} < ?`, f.to);
}

export interface RefundFilter extends PageInput {
  merchantId: string;
  txId?: string | undefined;
  terminalId?: string | undefined;
  /** Who made it: the merchant (API, dashboard, CLI) or a terminal (journalled at the till). */
  source?: 'merchant' | 'terminal' | undefined;
  /** Refund time, Unix seconds: from inclusive, to exclusive. */
  from?: number | undefined;
  to?: number | undefined;
}

/** The merchant's refunds, newest first. */
export async function listRefunds(ledger: Ledger, f: RefundFilter): Promise<Page<RefundView>> {
  const limit = pageLimit(f.limit);
  const w = new Where();
  w.add('x.merchant_id = ?', idOf('merchant id', f.merchantId));
  if (f.txId !== undefined) w.add('x.tx_id = ?', txIdOf(f.txId));
  if (f.terminalId !== undefined) w.add('x.terminal_id = ?', idOf('terminal id', f.terminalId));
  if (f.source !== undefined) {
    if (f.source !== 'merchant' && f.source !== 'terminal') throw new TesseraError('USAGE', `source must be merchant or terminal, got ${String(f.source)}`);
    w.add('x.source = ?', f.source);
  }
  addSpan(w, 'x.created_at', f);
  if (f.cursor) w.add('(x.created_at, x.id) < (?, ?)', ...decodeCursor(f.cursor, ['n', 'n']));
  const sql = `SELECT x.* FROM refunds x ${String(w)} ORDER BY x.created_at DESC, x.id DESC LIMIT ?`;
  const { rows, currency } = await ledger.operations().read(function* () {
    return { rows: yield* all(sql, [...w.params, limit + 1]), currency: yield* ledgerCurrency() };
  });
  return toPage(rows, limit, (r) => refundOf(r, currency), (r) => [num(r, 'created_at'), num(r, 'id')]);
}

interface Totals {
  count: number;
  amount: Money;
}

/**
 * One payout: what one UTC day added to the merchant's receivable account, which is what the
 * operator pays the merchant for that day. The ledger has no transfer out of a merchant account,
 * so a payout is not a money movement of its own: it is the day's net of the movements that are,
 * read from the account's postings (settlements in, refunds out, fraud resolutions paid in).
 */
export interface PayoutDay {
  /** YYYY-MM-DD, cut at midnight UTC. */
  date: string;
  /** The day as Unix seconds: from inclusive, to exclusive. */
  from: number;
  to: number;
  payments: Totals;
  /** Refunds made that day (as a positive amount: it is taken off). */
  refunds: Totals;
  /** Fraud cases resolved in the merchant's favour that day. */
  fraudPaid: Totals;
  /** Everything that moved on the account that day: payments − refunds + fraud paid. */
  net: Money;
}

export interface PayoutFilter extends PageInput {
  merchantId: string;
  /** Movement time, Unix seconds: from inclusive, to exclusive. */
  from?: number | undefined;
  to?: number | undefined;
}

const sumIf = (cond: string, name: string) =>
  `CAST(sum(CASE WHEN ${cond} THEN 1 ELSE 0 END) AS BIGINT) AS ${name}_n, CAST(sum(CASE WHEN ${cond} THEN p.amount ELSE 0 END) AS BIGINT) AS ${name}_s`;

/** The merchant's payouts (days with movements on its account), newest first. */
export async function listPayouts(ledger: Ledger, f: PayoutFilter): Promise<Page<PayoutDay>> {
  const limit = pageLimit(f.limit);
  const w = new Where();
  w.add('p.account = ?', merchantAccount(idOf('merchant id', f.merchantId)));
  addSpan(w, 't.created_at', f);
  // The cursor is the last day returned: the next page starts at that day's midnight, going back.
  if (f.cursor) w.add('t.created_at < ?', (decodeCursor(f.cursor, ['n'])[0] as number) * DAY);
  // Integer division is the same in SQLite and PostgreSQL for these non-negative integer times.
  const sql = `SELECT t.created_at / ${DAY} AS day, ${sumIf("t.kind = 'settle'", 'pay')}, ${sumIf("t.kind = 'refund'", 'ref')}, ${sumIf("t.kind LIKE 'fraud-%'", 'fraud')},
    CAST(sum(p.amount) AS BIGINT) AS net
    FROM postings p JOIN transfers t ON t.id = p.transfer_id ${String(w)} GROUP BY t.created_at / ${DAY} ORDER BY day DESC LIMIT ?`;
  const { rows, currency } = await ledger.operations().read(function* () {
    return { rows: yield* all(sql, [...w.params, limit + 1]), currency: yield* ledgerCurrency() };
  });
  const totals = (r: Record<string, unknown>, k: string, sign = 1): Totals => ({ count: num(r, `${k}_n`), amount: money(sign * num(r, `${k}_s`), currency) });
  return toPage(
    rows,
    limit,
    (r): PayoutDay => {
      const day = num(r, 'day');
      return {
        date: new Date(day * DAY * 1000).toISOString().slice(0, 10),
        from: day * DAY,
        to: (day + 1) * DAY,
        payments: totals(r, 'pay'),
        refunds: totals(r, 'ref', -1),
        fraudPaid: totals(r, 'fraud'),
        net: money(num(r, 'net'), currency),
      };
    },
    (r) => [num(r, 'day')],
  );
}
