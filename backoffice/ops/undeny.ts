// Taking a purse off the deny list: the next signed list (a new version) leaves it out; the removal is kept with who and why.
import { TesseraError } from '#common';
import type { Ledger } from '../ledger.js';
import { exec, forUpdate, one, type Query } from './db.js';
import { actorOf, purseIdOf, reasonOf } from './ids.js';
import { purseRow } from './purse-rows.js';
import { num } from './view.js';

export interface UndenyInput {
  purseId: string;
  reason: string;
  actor: string;
  now: number;
}

export interface UndenyResult {
  purseId: string;
  /** False when it was not on the list (nothing to do). */
  removed: boolean;
  /** The first deny-list version that leaves it out (sign and publish one: undeny --broker, or publish-denylist). */
  version: number;
}

function* undenyTx(purseId: string, reason: string, actor: string, now: number): Query<UndenyResult> {
  // The version row first, as deny and list signing take it: a list signed concurrently either still carries the purse (a lower version) or not.
  const v = num((yield* forUpdate("SELECT version FROM versions WHERE series = 'denylist'")) ?? {}, 'version');
  const p = yield* purseRow(purseId);
  if (!p) throw new TesseraError('NOT_FOUND', `no purse ${purseId}`);
  if (!(yield* one('SELECT 1 AS x FROM denylist WHERE purse_id = ?', [purseId]))) return { purseId, removed: false, version: v + 1 };
  if (p.status === 'closed') throw new TesseraError('CONFLICT', `purse ${purseId} is closed: it stays denied`);
  const open = yield* one('SELECT count(*) AS n FROM fraud_cases f WHERE f.purse_id = ? AND NOT EXISTS (SELECT 1 FROM fraud_resolutions x WHERE x.case_id = f.id)', [purseId]);
  if (num(open ?? {}, 'n') > 0) throw new TesseraError('CONFLICT', `purse ${purseId} has ${num(open ?? {}, 'n')} unresolved fraud case(s): resolve them first`);
  yield* exec('DELETE FROM denylist WHERE purse_id = ?', [purseId]);
  yield* exec('INSERT INTO denylist_removals (purse_id, reason, actor, version, removed_at) VALUES (?, ?, ?, ?, ?)', [purseId, reason, actor, v + 1, now]);
  return { purseId, removed: true, version: v + 1 };
}

/** Refused for a closed purse and while a fraud case of the purse is unresolved. */
export async function undenyPurse(ledger: Ledger, i: UndenyInput): Promise<UndenyResult> {
  const purseId = purseIdOf(i.purseId);
  const reason = reasonOf(i.reason);
  const actor = actorOf(i.actor);
  return ledger.operations().write(() => undenyTx(purseId, reason, actor, i.now));
}
