// Refunds: a transfer from the merchant to the customer account that paid, idempotent by the refund's id, never above the payment.
import { TesseraError } from '#common';
import { merchantAccount, type Ledger } from '../ledger.js';
import { exec, lock, lockAccounts, one, transfer, type Query } from './db.js';
import { actorOf, idOf, positiveAmount, reasonOf, txIdOf } from './ids.js';
import { refundOf, type RefundView } from './refund-rows.js';
import { ledgerCurrency, money, num, type Money } from './view.js';

export interface RefundInput {
  merchantId: string;
  /** The payment refunded (it must have settled to this merchant). */
  txId: string;
  amount: number;
  /**
   * The caller's id for this refund: the same id again (a retry) refunds once; the same id for
   * another payment or amount is refused. A terminal's journalled refund uses its own id for it.
   */
  refundId: string;
  reason: string;
  actor: string;
  now: number;
  /** 'terminal' when a terminal journalled it (then `terminalId`, one of the merchant's terminals). */
  source?: 'merchant' | 'terminal' | undefined;
  terminalId?: string | undefined;
}

export interface RefundResult {
  refund: RefundView;
  /** False when this was a retry of a refund already made. */
  created: boolean;
  /** Refunded so far for the payment, and what may still be refunded. */
  refunded: Money;
  remaining: Money;
}

function* refundTx(i: Required<Omit<RefundInput, 'terminalId'>> & { terminalId: string | null }): Query<RefundResult> {
  // Fixed lock order: the refund id, then the payment (retries and concurrent refunds of one payment queue).
  yield* lock(`refund-id:${i.merchantId}:${i.refundId}`);
  yield* lock(`refund-tx:${i.txId}`);
  const currency = yield* ledgerCurrency();
  const s = yield* one('SELECT s.amount, s.merchant_id, p.account FROM settlements s JOIN purses p ON p.purse_id = s.purse_id WHERE s.tx_id = ?', [i.txId]);
  // Another merchant's payment is as unknown as a missing one.
  if (!s || s.merchant_id !== i.merchantId) throw new TesseraError('NOT_FOUND', `no settled payment ${i.txId} of merchant ${i.merchantId}`);
  const paid = num(s, 'amount');
  const total = function* () {
    return num((yield* one('SELECT CAST(coalesce(sum(amount), 0) AS BIGINT) AS n FROM refunds WHERE tx_id = ?', [i.txId])) ?? {}, 'n');
  };
  const result = function* (row: Record<string, unknown>, created: boolean): Query<RefundResult> {
    const refunded = yield* total();
    return { refund: refundOf(row, currency), created, refunded: money(refunded, currency), remaining: money(paid - refunded, currency) };
  };
  const prior = yield* one('SELECT * FROM refunds WHERE merchant_id = ? AND client_id = ?', [i.merchantId, i.refundId]);
  if (prior) {
    if (prior.tx_id === i.txId && num(prior, 'amount') === i.amount) return yield* result(prior, false);
    throw new TesseraError('ALREADY_EXISTS', `refund id ${i.refundId} was used for ${num(prior, 'amount')} of ${String(prior.tx_id)}, not ${i.amount} of ${i.txId}`);
  }
  if (i.terminalId !== null) {
    const t = yield* one('SELECT merchant_id FROM terminals WHERE terminal_id = ?', [i.terminalId]);
    if (!t || t.merchant_id !== i.merchantId) throw new TesseraError('NOT_FOUND', `no terminal ${i.terminalId} of merchant ${i.merchantId}`);
  }
  const before = yield* total();
  if (before + i.amount > paid) {
    throw new TesseraError('REFUND_EXCEEDS_PAYMENT', `payment ${i.txId} was ${paid}, ${before} already refunded: at most ${paid - before} more`);
  }
  const from = merchantAccount(i.merchantId);
  yield* lockAccounts([from]);
  const transferId = yield* transfer({ kind: 'refund', from, to: s.account as string, amount: i.amount, ref: i.txId, now: i.now, idem: `refund:${i.merchantId}:${i.refundId}` });
  yield* exec(
    `INSERT INTO refunds (merchant_id, client_id, tx_id, amount, account, reason, source, terminal_id, actor, transfer_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [i.merchantId, i.refundId, i.txId, i.amount, s.account, i.reason, i.source, i.terminalId, i.actor, transferId, i.now],
  );
  const row = (yield* one('SELECT * FROM refunds WHERE merchant_id = ? AND client_id = ?', [i.merchantId, i.refundId])) as Record<string, unknown>;
  return yield* result(row, true);
}

/** Refunds (part of) a settled payment to the customer account it came from. The merchant's balance may go below 0 (it owes). */
export async function refundPayment(ledger: Ledger, input: RefundInput): Promise<RefundResult> {
  const i = {
    merchantId: idOf('merchant id', input.merchantId),
    txId: txIdOf(input.txId),
    amount: positiveAmount('amount', input.amount),
    refundId: idOf('refund id', input.refundId),
    reason: reasonOf(input.reason),
    actor: actorOf(input.actor),
    now: input.now,
    source: input.source ?? 'merchant',
    terminalId: input.terminalId === undefined ? null : idOf('terminal id', input.terminalId),
  };
  if (i.source === 'terminal' && i.terminalId === null) throw new TesseraError('USAGE', 'a refund a terminal journalled names the terminal');
  return ledger.operations().write(() => refundTx(i));
}
