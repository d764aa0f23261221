// Resolving a fraud case: the merchant is paid the payment it accepted, by the operator (pay-merchant) or charged to the purse's account (charge-back).
import { TesseraError } from '#common';
import { merchantAccount, type Ledger } from '../ledger.js';
import { exec, lock, lockAccounts, one, transfer, type Query } from './db.js';
import { caseIdOf } from './fraud-cases.js';
import { FRAUD_OUTCOMES, caseOf, caseRow, type FraudCaseView, type FraudOutcome } from './fraud-rows.js';
import { actorOf, reasonOf } from './ids.js';
import { ledgerCurrency, num } from './view.js';

/** Where the operator's fraud losses are booked (an external account: money the operator puts in). */
export const FRAUD_LOSS_ACCOUNT = 'external:fraud-loss';

export interface ResolveFraudInput {
  caseId: number | string;
  outcome: FraudOutcome;
  reason: string;
  actor: string;
  now: number;
}

export interface ResolveFraudResult {
  case: FraudCaseView;
  /** False when the case was already resolved this way (a retry): nothing moved again. */
  created: boolean;
}

function* resolveTx(id: number, outcome: FraudOutcome, reason: string, actor: string, now: number): Query<ResolveFraudResult> {
  yield* lock(`fraud:${id}`);
  const currency = yield* ledgerCurrency();
  const row = yield* caseRow(id);
  if (!row) throw new TesseraError('NOT_FOUND', `no fraud case ${id}`);
  const view = caseOf(row, currency);
  if (view.resolution) {
    // Resolved stays resolved: the same decision again is a retry, another one is refused.
    if (view.resolution.outcome === outcome) return { case: view, created: false };
    throw new TesseraError('CONFLICT', `fraud case ${id} was resolved ${view.resolution.outcome} at ${view.resolution.resolvedAt}`);
  }
  if (view.merchantId === null) throw new TesseraError('DB_CORRUPT', `fraud case ${id}: the record of its payment is missing`);
  const purse = yield* one('SELECT account, currency FROM purses WHERE purse_id = ?', [view.purseId]);
  if (!purse) throw new TesseraError('DB_CORRUPT', `fraud case ${id}: no purse ${view.purseId}`);
  const debit = outcome === 'pay-merchant' ? FRAUD_LOSS_ACCOUNT : (purse.account as string);
  const credit = merchantAccount(view.merchantId);
  const ensure = "INSERT INTO accounts (id, kind, name, currency, created_at) VALUES (?, ?, NULL, ?, ?) ON CONFLICT (id) DO NOTHING";
  yield* exec(ensure, [FRAUD_LOSS_ACCOUNT, 'external', purse.currency, now]);
  yield* exec(ensure, [credit, 'merchant', purse.currency, now]);
  yield* lockAccounts([debit]);
  const amount = num(row, 'amount');
  const transferId = yield* transfer({ kind: `fraud-${outcome}`, from: debit, to: credit, amount, ref: String(id), now, idem: `fraud:${id}` });
  yield* exec('INSERT INTO fraud_resolutions (case_id, outcome, reason, actor, amount, debit, credit, transfer_id, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    id,
    outcome,
    reason,
    actor,
    amount,
    debit,
    credit,
    transferId,
    now,
  ]);
  return { case: caseOf((yield* caseRow(id)) as NonNullable<typeof row>, currency), created: true };
}

/**
 * Either way the merchant that accepted the payment in good faith is paid its amount; the outcome
 * says who bears it: the operator's fraud-loss account, or the customer account the purse was
 * reserved from (which may go below 0: a debt to collect). One transfer, one resolution row, once.
 */
export async function resolveFraudCase(ledger: Ledger, i: ResolveFraudInput): Promise<ResolveFraudResult> {
  const id = caseIdOf(i.caseId);
  if (!FRAUD_OUTCOMES.includes(i.outcome)) throw new TesseraError('USAGE', `outcome must be ${FRAUD_OUTCOMES.join(' or ')}, got ${String(i.outcome)}`);
  const reason = reasonOf(i.reason);
  const actor = actorOf(i.actor);
  return ledger.operations().write(() => resolveTx(id, i.outcome, reason, actor, i.now));
}
