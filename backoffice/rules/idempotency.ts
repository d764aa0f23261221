// Client-chosen transfer ids: a retry of the same transfer is answered, not applied twice; a reused id is refused.
import { TesseraError } from '#common';

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
