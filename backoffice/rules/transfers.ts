// Rules every transfer obeys on every backend: one currency on both sides, and client-chosen ids answered once.
import { TesseraError } from '#common';
import type { PurseRecord } from '../ledger.js';

/** What identifies a transfer's content for an idempotency check. */
export interface TransferShape {
  kind: string;
  credit: string;
  amount: number;
}

/**
 * `prior` is the transfer already stored under `id` (if any). Returns true when `want` is a retry of
 * it (nothing to do), false when the id is new; throws ALREADY_EXISTS when the id names another transfer.
 */
export function isRetry(id: string, prior: TransferShape | undefined, want: TransferShape): boolean {
  if (!prior) return false;
  if (prior.kind === want.kind && prior.credit === want.credit && prior.amount === want.amount) return true;
  throw new TesseraError('ALREADY_EXISTS', `transfer id ${id} was used for ${prior.kind} of ${prior.amount} to ${prior.credit}, not ${want.kind} of ${want.amount} to ${want.credit}`);
}

/**
 * Both sides of a transfer hold the same currency, or it is refused: a ledger never converts.
 * `accounts` are the transfer's debit and credit accounts as stored (a missing one is refused too).
 */
export function assertSameCurrency(from: string, to: string, accounts: readonly { id: string; currency: string }[]): void {
  const debit = accounts.find((a) => a.id === from);
  const credit = accounts.find((a) => a.id === to);
  if (!debit || !credit) throw new TesseraError('NOT_FOUND', `no account ${!debit ? from : to}`);
  if (debit.currency !== credit.currency) {
    throw new TesseraError('CURRENCY_MISMATCH', `a transfer from ${from} (${debit.currency}) to ${to} (${credit.currency}) crosses currencies`);
  }
}

/** What a purse issuance asks for: the purse id, certificate and dates are the issuer's, chosen anew by a retry. */
export type PurseRequest = Pick<PurseRecord, 'account' | 'currency' | 'cap' | 'perPaymentLimit' | 'walletKey' | 'notBefore' | 'notAfter'>;

/**
 * `prior` is the purse already issued under the client's `id` (if any). Returns true when `want`
 * asks for the same purse (the caller answers with `prior`), false when the id is new; throws
 * ALREADY_EXISTS when the id was used for another request.
 */
export function isPurseRetry(id: string, prior: PurseRequest | undefined, want: PurseRequest): boolean {
  if (!prior) return false;
  const same = (r: PurseRequest) => [r.account, r.currency, r.cap, r.perPaymentLimit, r.walletKey.toLowerCase(), r.notAfter - r.notBefore].join('|');
  if (same(prior) === same(want)) return true;
  throw new TesseraError(
    'ALREADY_EXISTS',
    `purse id ${id} was used to issue a purse of cap ${prior.cap} (limit ${prior.perPaymentLimit}) on ${prior.account} for another wallet key or request`,
  );
}
