// Input checks shared by the operator operations: ids in the shapes the ledger stores, reasons, actors.
import { TesseraError } from '#common';

export function purseIdOf(id: string): string {
  const p = id.trim().toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(p)) throw new TesseraError('USAGE', 'purse id must be 32 hex characters');
  return p;
}

export function txIdOf(id: string): string {
  const t = id.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(t)) throw new TesseraError('USAGE', 'txId must be 64 hex characters');
  return t;
}

/** Terminal, merchant, account and client ids: what certificates and the CLI accept. */
export function idOf(name: string, id: string): string {
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(id)) throw new TesseraError('USAGE', `${name} must be 1-64 of A-Z a-z 0-9 . _ : -, got ${JSON.stringify(id)}`);
  return id;
}

/** A reason an operator gives: kept with the transfer it explains, so it is required and bounded. */
export function reasonOf(reason: string): string {
  const r = reason.trim();
  if (r.length === 0 || r.length > 500) throw new TesseraError('USAGE', 'a reason (1-500 characters) is required');
  return r;
}

export function actorOf(actor: string): string {
  const a = actor.trim();
  if (a.length === 0 || a.length > 200) throw new TesseraError('USAGE', 'the actor (who does this) must be 1-200 characters');
  return a;
}

export function positiveAmount(name: string, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new TesseraError('USAGE', `${name} must be a positive integer of minor units, got ${n}`);
  return n;
}
