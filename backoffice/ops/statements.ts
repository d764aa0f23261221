// Daily statements of a merchant or a terminal: settled payments, refunds, fraud cases and their resolutions in one local day, and the net.
import { TesseraError } from '#common';
import { merchantAccount, type Ledger } from '../ledger.js';
import { all, one } from './db.js';
import { dayRange, type DayRange } from './day.js';
import { idOf } from './ids.js';
import { ledgerCurrency, money, num, type Money } from './view.js';

export interface StatementInput {
  /** Exactly one of merchantId and terminalId. */
  merchantId?: string | undefined;
  terminalId?: string | undefined;
  /** YYYY-MM-DD in `timeZone`. */
  date: string;
  /** IANA zone name (default UTC). */
  timeZone?: string | undefined;
}

export interface Totals {
  count: number;
  amount: Money;
}

export interface DailyStatement extends DayRange {
  merchantId: string | null;
  terminalId: string | null;
  currency: string;
  /** Payments settled that day (by settlement time: a late journal lands on the day it cleared, so a closed day never changes). */
  payments: Totals;
  refunds: Totals;
  /** Fraud cases opened that day on payments its terminals accepted, and what their resolutions paid it that day. */
  fraud: { opened: Totals; paid: Totals };
  /** payments − refunds + fraud paid. */
  net: Money;
  /** A merchant statement's payments per terminal. */
  terminals: { terminalId: string; count: number; amount: Money }[];
}

const totals = (r: Record<string, unknown> | undefined, currency: string): Totals => ({ count: num(r ?? {}, 'n'), amount: money(num(r ?? {}, 's'), currency) });
const SUMS = 'count(*) AS n, CAST(coalesce(sum(x.amount), 0) AS BIGINT) AS s';

function* statementTx(by: 'merchant' | 'terminal', id: string, d: DayRange) {
  const span = [d.from, d.to];
  const m = by === 'merchant';
  const payments = yield* one(`SELECT ${SUMS} FROM settlements x WHERE x.${m ? 'merchant_id' : 'terminal_id'} = ? AND x.settled_at >= ? AND x.settled_at < ?`, [id, ...span]);
  const refunds = m
    ? yield* one(`SELECT ${SUMS} FROM refunds x WHERE x.merchant_id = ? AND x.created_at >= ? AND x.created_at < ?`, [id, ...span])
    : yield* one(`SELECT ${SUMS} FROM refunds x JOIN settlements s ON s.tx_id = x.tx_id WHERE s.terminal_id = ? AND x.created_at >= ? AND x.created_at < ?`, [id, ...span]);
  // A merchant's fraud cases are those on the records of its terminals' chains.
  const caseScope = m
    ? `JOIN records r ON r.terminal_id = x.terminal_id AND r.idx = x.idx AND r.tx_id = x.second_tx
       LEFT JOIN terminals t ON t.terminal_id = r.terminal_id LEFT JOIN retired_chains rc ON rc.terminal_id = r.terminal_id AND rc.chain = r.chain
       WHERE coalesce(rc.merchant_id, t.merchant_id) = ?`
    : 'WHERE x.terminal_id = ?';
  const opened = yield* one(`SELECT ${SUMS} FROM fraud_cases x ${caseScope} AND x.opened_at >= ? AND x.opened_at < ?`, [id, ...span]);
  const paid = m
    ? yield* one(`SELECT ${SUMS} FROM fraud_resolutions x WHERE x.credit = ? AND x.resolved_at >= ? AND x.resolved_at < ?`, [merchantAccount(id), ...span])
    : yield* one(`SELECT ${SUMS} FROM fraud_resolutions x JOIN fraud_cases f ON f.id = x.case_id WHERE f.terminal_id = ? AND x.resolved_at >= ? AND x.resolved_at < ?`, [id, ...span]);
  const terminals = m
    ? yield* all(`SELECT x.terminal_id, ${SUMS} FROM settlements x WHERE x.merchant_id = ? AND x.settled_at >= ? AND x.settled_at < ? GROUP BY x.terminal_id ORDER BY x.terminal_id`, [id, ...span])
    : [];
  return { payments, refunds, opened, paid, terminals, currency: yield* ledgerCurrency() };
}

export async function dailyStatement(ledger: Ledger, i: StatementInput): Promise<DailyStatement> {
  if ((i.merchantId === undefined) === (i.terminalId === undefined)) throw new TesseraError('USAGE', 'a statement is of one merchant or one terminal');
  const by = i.merchantId !== undefined ? 'merchant' : 'terminal';
  const id = idOf(`${by} id`, (i.merchantId ?? i.terminalId) as string);
  const d = dayRange(i.date, i.timeZone);
  const r = await ledger.operations().read(() => statementTx(by, id, d));
  const c = r.currency;
  const payments = totals(r.payments, c);
  const refunds = totals(r.refunds, c);
  const paid = totals(r.paid, c);
  return {
    ...d,
    merchantId: i.merchantId ?? null,
    terminalId: i.terminalId ?? null,
    currency: c,
    payments,
    refunds,
    fraud: { opened: totals(r.opened, c), paid },
    net: money(payments.amount.amount - refunds.amount.amount + paid.amount.amount, c),
    terminals: r.terminals.map((t) => ({ terminalId: t.terminal_id as string, count: num(t, 'n'), amount: money(num(t, 's'), c) })),
  };
}
