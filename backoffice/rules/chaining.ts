// Journal chaining as a pure plan: which records of a batch append, wait behind a gap, repeat, fork or break the chain.
//
// Both ledger backends read the chain head, the held records and the stored hashes the batch
// needs, ask for the plan, and carry out its steps in their batch transaction (clearing each append).

import { equalBytes } from '#protocol';
import type { IncidentTally } from '../incidents.js';
import type { EntryOutcome, JournalEntry } from '../ledger.js';

export type ChainStep =
  /** Already recorded with the same hash: a re-delivery. */
  | { kind: 'duplicate'; entry: JournalEntry }
  /** Another record already holds this index. */
  | { kind: 'fork'; entry: JournalEntry }
  /** Past a gap after the record at `after`: kept until the missing records arrive (`isNew` false when it was already held). */
  | { kind: 'hold'; entry: JournalEntry; isNew: boolean; after: number }
  /** Chains to the head: recorded and cleared now (`fromHeld` when it waited behind a gap). */
  | { kind: 'append'; entry: JournalEntry; fromHeld: boolean }
  /** Does not chain to the record at `after`: rejected, and dropped from the held records. */
  | { kind: 'break'; entry: JournalEntry; after: number; fromHeld: boolean };

export interface ChainPlan {
  steps: ChainStep[];
  lastIndex: number;
  lastHash: Uint8Array;
  /** Indexes of this batch still held after it (an earlier record is missing). */
  held: number[];
}

/**
 * Plans one batch of one chain. `held` are the records already waiting on this chain; `recorded`
 * the stored hashes of the batch's indexes at or below the head.
 */
export function planChain(
  head: { lastIndex: number; lastHash: Uint8Array },
  entries: readonly JournalEntry[],
  held: ReadonlyMap<number, JournalEntry>,
  recorded: ReadonlyMap<number, Uint8Array>,
): ChainPlan {
  const waiting = new Map(held);
  // Stored hashes, plus those this batch appends (a record twice in one batch is a re-delivery too).
  const known = new Map(recorded);
  const steps: ChainStep[] = [];
  const heldNow: number[] = [];
  let last = head.lastIndex;
  let lastHash = head.lastHash;

  const append = (entry: JournalEntry, fromHeld: boolean): boolean => {
    if (!equalBytes(entry.prevHash, lastHash)) {
      steps.push({ kind: 'break', entry, after: last, fromHeld });
      return false;
    }
    steps.push({ kind: 'append', entry, fromHeld });
    known.set(entry.index, entry.hash);
    last = entry.index;
    lastHash = entry.hash;
    return true;
  };

  for (const e of [...entries].sort((a, b) => a.index - b.index)) {
    if (e.index <= last) {
      const old = known.get(e.index);
      steps.push({ kind: old && equalBytes(old, e.hash) ? 'duplicate' : 'fork', entry: e });
      continue;
    }
    if (e.index > last + 1) {
      const isNew = !waiting.has(e.index);
      if (isNew) waiting.set(e.index, e);
      steps.push({ kind: 'hold', entry: e, isNew, after: last });
      heldNow.push(e.index);
      continue;
    }
    if (!append(e, false)) continue;
    // Records held behind a gap may now be contiguous.
    for (let h = waiting.get(last + 1); h; h = waiting.get(last + 1)) {
      waiting.delete(h.index);
      if (!append(h, true)) break;
    }
  }
  return { steps, lastIndex: last, lastHash, held: heldNow.filter((i) => i > last) };
}

/** The indexes whose stored hashes planChain needs: those of the batch at or below the head. */
export const indexesToCompare = (lastIndex: number, entries: readonly JournalEntry[]): number[] => entries.filter((e) => e.index <= lastIndex).map((e) => e.index);

/**
 * The incident and the answer of a step that clears nothing, on chain `chain`: a gap, a re-delivery,
 * a fork or a break. An append returns undefined (clearing answers it); so does a hold (no answer yet).
 */
export function reportStep(step: ChainStep, chain: number, incidents: IncidentTally): EntryOutcome | undefined {
  const e = step.entry;
  const base = { index: e.index, txId: e.txId };
  switch (step.kind) {
    case 'hold':
      if (step.isNew) incidents.add('gap', e.index, `record ${e.index} held: records ${step.after + 1}..${e.index - 1} are missing (chain ${chain})`);
      return undefined;
    case 'duplicate':
      return { ...base, status: 'duplicate' };
    case 'fork':
      incidents.add('fork', e.index, `a different record ${e.index} was already recorded (chain ${chain})`);
      return { ...base, status: 'rejected', reason: 'fork: another record holds this index' };
    case 'break':
      incidents.add('chain-break', e.index, `record ${e.index} does not chain to record ${step.after} (chain ${chain})`);
      return { ...base, status: 'rejected', reason: 'chain break: previous hash does not match' };
    case 'append':
      return undefined;
  }
}
