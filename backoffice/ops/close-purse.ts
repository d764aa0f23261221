// Closing a purse early: denied first (terminals refuse it from the next list), then its reservation returns to its account.
import { TesseraError } from '#common';
import { purseAccount, type Ledger } from '../ledger.js';
import { exec, forUpdate, one, transfer, type Query } from './db.js';
import { actorOf, purseIdOf, reasonOf } from './ids.js';
import { purseRow, purseView, type PurseView } from './purse-rows.js';

export interface ClosePurseInput {
  purseId: string;
  reason: string;
  actor: string;
  now: number;
}

export interface ClosePurseResult {
  purse: PurseView;
  /** False when it was closed early already (a retry): nothing moved again. */
  created: boolean;
  /** Deny-list entries not yet in a signed list: publish one (deny --broker, publish-denylist, or clearing's next check). */
  unpublished: number;
}

function* closeTx(purseId: string, reason: string, actor: string, now: number): Query<boolean> {
  // The purse row guards its account's balance (clearing locks it before settling from it).
  const locked = yield* forUpdate('SELECT status FROM purses WHERE purse_id = ?', [purseId]);
  if (!locked) throw new TesseraError('NOT_FOUND', `no purse ${purseId}`);
  if (yield* one('SELECT 1 AS x FROM purse_closures WHERE purse_id = ?', [purseId])) return false;
  const p = yield* purseRow(purseId);
  if (!p) throw new TesseraError('NOT_FOUND', `no purse ${purseId}`);
  if (p.status === 'closed') throw new TesseraError('CONFLICT', `purse ${purseId} is closed already (expired)`);
  const transferId = p.reserved > 0 ? yield* transfer({ kind: 'close', from: purseAccount(purseId), to: p.account, amount: p.reserved, ref: purseId, now, idem: `close:${purseId}` }) : null;
  yield* exec("UPDATE purses SET status = 'closed' WHERE purse_id = ?", [purseId]);
  yield* exec('INSERT INTO purse_closures (purse_id, reason, actor, returned, transfer_id, closed_at) VALUES (?, ?, ?, ?, ?, ?)', [purseId, reason, actor, p.reserved, transferId, now]);
  return true;
}

/**
 * Payments that terminals accepted offline before they received the deny list still reach clearing
 * afterwards; they are recorded (rejected: the purse is closed), not settled. Close early when the
 * wallet is lost or its holder asks, not to take back money already spent.
 */
export async function closePurse(ledger: Ledger, i: ClosePurseInput): Promise<ClosePurseResult> {
  const purseId = purseIdOf(i.purseId);
  const reason = reasonOf(i.reason);
  const actor = actorOf(i.actor);
  if (!(await ledger.getPurse(purseId))) throw new TesseraError('NOT_FOUND', `no purse ${purseId}`);
  // Denied before the money moves: never a moment where it is closed but still accepted.
  const denied = await ledger.deny(purseId, `closed: ${reason}`, i.now);
  const created = await ledger.operations().write(() => closeTx(purseId, reason, actor, i.now));
  const purse = (await ledger.operations().read(() => purseView(purseId))) as PurseView;
  return { purse, created, unpublished: denied.unpublished };
}
