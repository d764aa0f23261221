// Fraud cases as plain data with their evidence (both signed payments, decoded) and their resolution, if any.
import { fraudCaseOf, u8, type Row } from '../ledger-rows.js';
import type { FraudKind } from '../ledger.js';
import { one, type Query } from './db.js';
import { money, num, paymentView, type Money, type PaymentView } from './view.js';

export type FraudOutcome = 'pay-merchant' | 'charge-back';
export const FRAUD_OUTCOMES: readonly FraudOutcome[] = ['pay-merchant', 'charge-back'];

export interface ResolutionView {
  outcome: FraudOutcome;
  reason: string;
  actor: string;
  amount: Money;
  /** The transfer's accounts: who paid (the fraud-loss account or the customer's) and the merchant credited. */
  debit: string;
  credit: string;
  transferId: number;
  resolvedAt: number;
}

export interface FraudCaseView {
  id: number;
  purseId: string;
  kind: FraudKind;
  detail: string;
  /** The merchant whose terminal accepted the second payment (the one not settled). */
  merchantId: string | null;
  terminalId: string;
  index: number;
  amount: Money;
  openedAt: number;
  firstTxId: string | null;
  secondTxId: string;
  status: 'open' | 'resolved';
  resolution: ResolutionView | null;
}

export interface FraudEvidence {
  /** The payment settled first (absent for kinds that have none, e.g. over-cap). */
  first: PaymentView | { error: string; bytes: string } | null;
  second: PaymentView | { error: string; bytes: string };
}

/** The select every case view reads: the case, its resolution and the merchant its record's chain names. */
export const CASE_SELECT = `
SELECT f.*, coalesce(rc.merchant_id, t.merchant_id) AS merchant_id,
  x.outcome, x.reason AS x_reason, x.actor, x.amount AS x_amount, x.debit, x.credit, x.transfer_id, x.resolved_at
FROM fraud_cases f
LEFT JOIN fraud_resolutions x ON x.case_id = f.id
LEFT JOIN records r ON r.terminal_id = f.terminal_id AND r.idx = f.idx AND r.tx_id = f.second_tx
LEFT JOIN terminals t ON t.terminal_id = f.terminal_id
LEFT JOIN retired_chains rc ON rc.terminal_id = r.terminal_id AND rc.chain = r.chain`;

export function caseOf(r: Row, currency: string): FraudCaseView {
  const f = fraudCaseOf(r);
  const resolved = r.outcome !== null && r.outcome !== undefined;
  return {
    id: num(r, 'id'),
    purseId: f.purseId,
    kind: f.kind,
    detail: f.detail,
    merchantId: (r.merchant_id as string | null) ?? null,
    terminalId: f.terminalId,
    index: num(r, 'idx'),
    amount: money(num(r, 'amount'), currency),
    openedAt: num(r, 'opened_at'),
    firstTxId: f.firstTxId,
    secondTxId: f.secondTxId,
    status: resolved ? 'resolved' : 'open',
    resolution: resolved
      ? {
          outcome: r.outcome as FraudOutcome,
          reason: r.x_reason as string,
          actor: r.actor as string,
          amount: money(num(r, 'x_amount'), currency),
          debit: r.debit as string,
          credit: r.credit as string,
          transferId: num(r, 'transfer_id'),
          resolvedAt: num(r, 'resolved_at'),
        }
      : null,
  };
}

export function evidenceOf(r: Row): FraudEvidence {
  return {
    first: r.first_payment ? paymentView(u8(r.first_payment)) : null,
    second: paymentView(u8(r.second_payment)),
  };
}

export function* caseRow(id: number): Query<Row | undefined> {
  return yield* one(`${CASE_SELECT} WHERE f.id = ?`, [id]);
}
