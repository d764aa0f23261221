// Stored refunds as plain data, read by the refund operation, the transaction look-up and statements.
import type { Row } from '../ledger-rows.js';
import { all, type Query } from './db.js';
import { ledgerCurrency, money, num, str, type Money } from './view.js';

export interface RefundView {
  /** The ledger's number for it. */
  id: number;
  /** The merchant's (or terminal's) id for it: the idempotency key. */
  refundId: string;
  merchantId: string;
  /** The payment refunded. */
  txId: string;
  amount: Money;
  /** The customer account credited (the one the purse was reserved from). */
  account: string;
  reason: string;
  source: 'merchant' | 'terminal';
  terminalId: string | null;
  actor: string;
  createdAt: number;
}

export function refundOf(r: Row, currency: string): RefundView {
  return {
    id: num(r, 'id'),
    refundId: r.client_id as string,
    merchantId: r.merchant_id as string,
    txId: r.tx_id as string,
    amount: money(num(r, 'amount'), currency),
    account: r.account as string,
    reason: r.reason as string,
    source: r.source as 'merchant' | 'terminal',
    terminalId: str(r, 'terminal_id'),
    actor: r.actor as string,
    createdAt: num(r, 'created_at'),
  };
}

export function* refundsOf(txId: string): Query<RefundView[]> {
  const currency = yield* ledgerCurrency();
  return (yield* all('SELECT * FROM refunds WHERE tx_id = ? ORDER BY id', [txId])).map((r) => refundOf(r, currency));
}
