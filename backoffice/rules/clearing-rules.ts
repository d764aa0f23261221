// Clearing rules as pure functions: what one chained journal record becomes, from facts any storage backend reads.
//
// Every backend (SQLite, PostgreSQL) reads the same narrow facts inside its batch transaction and
// applies the decision the same way, so the money rules exist once and are tested without a database.

import type { AckStatus } from '#protocol';
import type { EntryVerdict, FraudKind } from '../ledger.js';

/** One settled payment as the rules need to see it. */
export interface PriorSettlement {
  txId: string;
  purseId: string;
  seq: number;
  cumulative: number;
  authorised: number;
  terminalId: string;
  chain: number;
  index: number;
  /** The settled payment's COSE bytes (evidence for a fraud case). */
  payment: Uint8Array;
}

/** What the rules need to know of the purse a payment names. */
export interface PurseFacts {
  status: 'active' | 'closed';
  cap: number;
  /** Sum of settled charges so far. */
  spent: number;
}

/**
 * The narrow read interface: what a backend reads before deciding. `sameTx` is the settlement with
 * the record's txId (any purse); `purse` and `prior` are read only for a payment whose txId is new.
 * `prior` holds the purse's settlements at the same sequence, the nearest below and above it, and the
 * highest (PRIOR_SETTLEMENTS_SQL in ledger-rows.ts); passing all of them decides the same. The
 * neighbours suffice because every settled pair already passed cumulativeClash, so settled
 * cumulatives (and cumulative − authorised) rise with the sequence.
 */
export interface ClearingFacts {
  sameTx: PriorSettlement | undefined;
  purse: PurseFacts | undefined;
  prior: PriorSettlement[];
}

/** Where the record sits: the rules tell a re-delivered record from a replay at another place. */
export interface RecordPlace {
  txId: string;
  terminalId: string;
  chain: number;
  index: number;
}

export type ClearingDecision =
  | { kind: 'declined' }
  | { kind: 'rejected'; reason: string }
  | { kind: 'duplicate' }
  | { kind: 'fraud'; fraud: FraudKind; detail: string; first: PriorSettlement | undefined }
  | { kind: 'settle' }
  /** A void or refund: recorded now, its refund made right after the batch commits (backoffice/adjustments.ts). */
  | { kind: 'adjust' };

type Payment = Extract<EntryVerdict, { kind: 'payment' }>;

/** True when the verdict is a payment, whose facts must be read before deciding. */
export const needsFacts = (v: EntryVerdict): v is Payment => v.kind === 'payment';

/**
 * Two payments of one purse disagree on cumulative amounts: the nearest earlier sequence already
 * counted more than this one says was spent before it, or the nearest later one says less was spent
 * before it than this one's total.
 */
export function cumulativeClash(v: Pick<Payment, 'seq' | 'cumulative' | 'authorised'>, prior: readonly PriorSettlement[]): PriorSettlement | undefined {
  const below = prior.reduce<PriorSettlement | undefined>((m, s) => (s.seq < v.seq && (!m || s.seq > m.seq) ? s : m), undefined);
  const above = prior.reduce<PriorSettlement | undefined>((m, s) => (s.seq > v.seq && (!m || s.seq < m.seq) ? s : m), undefined);
  if (below && below.cumulative > v.cumulative - v.authorised) return below;
  if (above && above.cumulative - above.authorised < v.cumulative) return above;
  return undefined;
}

/** The clearing rule, in order: duplicate or replay, unknown or closed purse, double spend, inconsistent cumulative, over cap, settle. */
export function decide(place: RecordPlace, verdict: EntryVerdict, facts: ClearingFacts): ClearingDecision {
  if (verdict.kind === 'declined') return { kind: 'declined' };
  if (verdict.kind === 'rejected') return { kind: 'rejected', reason: verdict.reason };
  if (verdict.kind === 'adjustment') return { kind: 'adjust' };
  const v = verdict;
  const same = facts.sameTx;
  if (same) {
    // The same record delivered again (a terminal re-sends until acked) is harmless; anywhere else it is a replay.
    if (same.terminalId === place.terminalId && same.chain === place.chain && same.index === place.index) return { kind: 'duplicate' };
    return { kind: 'fraud', fraud: 'replay', detail: `payment already settled at ${same.terminalId}#${same.index}`, first: same };
  }
  const purse = facts.purse;
  if (!purse) return { kind: 'rejected', reason: `purse ${v.purseId} was not issued by this back office` };
  if (purse.status !== 'active') return { kind: 'rejected', reason: `purse ${v.purseId} is closed` };
  const twin = facts.prior.find((s) => s.seq === v.seq);
  if (twin) return { kind: 'fraud', fraud: 'double-spend', detail: `sequence ${v.seq} already settled as ${twin.txId}`, first: twin };
  // Cumulative amounts must add up across every terminal the purse paid at.
  const clash = cumulativeClash(v, facts.prior);
  if (clash) {
    return { kind: 'fraud', fraud: 'inconsistent-cumulative', detail: `seq ${v.seq} cumulative ${v.cumulative} vs seq ${clash.seq} cumulative ${clash.cumulative}`, first: clash };
  }
  if (purse.spent + v.charged > purse.cap) {
    const latest = facts.prior.reduce<PriorSettlement | undefined>((m, s) => (!m || s.seq > m.seq ? s : m), undefined);
    return { kind: 'fraud', fraud: 'over-cap', detail: `spent ${purse.spent} + ${v.charged} > cap ${purse.cap}`, first: latest };
  }
  return { kind: 'settle' };
}

/** The ack status and reason a decision gives the terminal (the same on every backend). */
export function outcomeOf(d: ClearingDecision): { status: AckStatus; reason?: string } {
  switch (d.kind) {
    case 'declined':
      return { status: 'declined-recorded' };
    case 'rejected':
      return { status: 'rejected', reason: d.reason };
    case 'duplicate':
      return { status: 'duplicate' };
    case 'fraud':
      return { status: 'fraud', reason: `${d.fraud}: ${d.detail}` };
    case 'settle':
    case 'adjust':
      return { status: 'settled' };
  }
}

/** The facts of a record that is not a payment (nothing to read). */
export const NO_FACTS: ClearingFacts = Object.freeze({ sameTx: undefined, purse: undefined, prior: [] });
