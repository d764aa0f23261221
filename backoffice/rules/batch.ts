// One batch's clearing as a pure pass: the chain plan's appends decided in order over facts read up front, as rows to write.
//
// Both backends read every fact a batch needs in a few statements (PostgreSQL: one round trip per
// kind, set-based), run this pass in memory, and write its rows in bulk. Records cleared earlier in
// the same batch are facts for the later ones: the pass keeps them in an overlay, so the decisions
// are exactly those of clearing one record at a time.

import type { EntryOutcome, EntryVerdict, FraudKind, JournalEntry } from '../ledger.js';
import { purseAccount, merchantAccount } from '../ledger.js';
import type { IncidentTally } from '../incidents.js';
import { reportStep, type ChainPlan } from './chaining.js';
import { NO_FACTS, decide, needsFacts, outcomeOf, type PriorSettlement, type PurseFacts } from './clearing-rules.js';
import { assertSameCurrency } from './transfers.js';

type Payment = Extract<EntryVerdict, { kind: 'payment' }>;

/** The head of the chain a batch is applied to, as the backend read (and, on PostgreSQL, locked) it. */
export interface ChainHead {
  /** Whose payments these are: the terminal's merchant, or for a retired chain the merchant its certificate named. */
  merchantId: string;
  chain: number;
  retired: boolean;
  lastIndex: number;
  lastHash: Uint8Array;
}

/** The stored facts of one batch, read (and the purses locked) before the pass. */
export interface BatchFacts {
  /** Stored settlements with the batch's txIds, and those next to each of its (purse, seq) pairs (PRIOR_SETTLEMENTS_SQL). */
  settled: readonly PriorSettlement[];
  /** The purses the batch's payments name, as locked for this transaction. */
  purses: ReadonlyMap<string, PurseFacts & { currency: string }>;
  /** The currency of the merchant account settlements credit (undefined when no payment names a known purse). */
  merchantCurrency: string | undefined;
}

/** What the pass needs read: the appended payments' txIds, their (purse, seq) pairs and purses. */
export interface FactsWanted {
  txIds: string[];
  pairs: { purseId: string; seq: number }[];
  purseIds: string[];
}

export interface RecordRow {
  entry: JournalEntry;
  status: EntryOutcome['status'];
  reason: string | null;
}

export interface SettleRow {
  entry: JournalEntry;
  payment: Payment;
}

export interface FraudRow {
  entry: JournalEntry;
  payment: Payment;
  fraud: FraudKind;
  detail: string;
  first: PriorSettlement | undefined;
}

/** Everything a batch writes, in the order the records were cleared. */
export interface BatchWrites {
  outcomes: EntryOutcome[];
  records: RecordRow[];
  settlements: SettleRow[];
  frauds: FraudRow[];
  /** Amount settled now per purse (added to purses.spent). */
  spent: Map<string, number>;
  /** Records newly held behind a gap. */
  holds: JournalEntry[];
  /** Held records dropped because they broke the chain. */
  unheld: number[];
}

/** The records a plan appends, on chain `chain`. */
const appended = (plan: ChainPlan, chain: number): JournalEntry[] => plan.steps.flatMap((s) => (s.kind === 'append' ? [{ ...s.entry, chain }] : []));

export function factsWanted(plan: ChainPlan): FactsWanted {
  const payments = appended(plan, 0).flatMap((e) => (e.verdict.kind === 'payment' ? [{ txId: e.txId, purseId: e.verdict.purseId, seq: e.verdict.seq }] : []));
  return {
    txIds: [...new Set(payments.map((p) => p.txId))],
    pairs: payments.map(({ purseId, seq }) => ({ purseId, seq })),
    // Sorted byte-wise (PostgreSQL's COLLATE "C"): the order every writer locks purses in.
    purseIds: [...new Set(payments.map((p) => p.purseId))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/** The settlement a cleared record becomes, as later records of the batch see it. */
const priorFrom = (e: JournalEntry, v: Payment): PriorSettlement => ({
  txId: e.txId,
  purseId: v.purseId,
  seq: v.seq,
  cumulative: v.cumulative,
  authorised: v.authorised,
  terminalId: e.terminalId,
  chain: e.chain,
  index: e.index,
  payment: e.payment,
});

/**
 * Runs the plan's steps on chain `chain` over `facts`: the same rules (rules/clearing-rules.ts) per
 * append, in index order. Throws CURRENCY_MISMATCH when a settlement would cross currencies (the
 * whole batch is refused, as a single transfer would be).
 */
export function clearBatch(plan: ChainPlan, chain: number, merchantId: string, facts: BatchFacts, incidents: IncidentTally): BatchWrites {
  const byTx = new Map(facts.settled.map((s) => [s.txId, s]));
  const byPurse = new Map<string, PriorSettlement[]>();
  const remember = (s: PriorSettlement) => {
    const list = byPurse.get(s.purseId);
    if (list) list.push(s);
    else byPurse.set(s.purseId, [s]);
  };
  for (const s of byTx.values()) remember(s);
  const spentNow = new Map<string, number>();
  const w: BatchWrites = { outcomes: [], records: [], settlements: [], frauds: [], spent: spentNow, holds: [], unheld: [] };
  for (const step of plan.steps) {
    const e = { ...step.entry, chain };
    const answer = reportStep(step, chain, incidents);
    if (answer) w.outcomes.push(answer);
    if (step.kind === 'hold' && step.isNew) w.holds.push(e);
    if (step.kind === 'break' && step.fromHeld) w.unheld.push(e.index);
    if (step.kind !== 'append') continue;
    const v = e.verdict;
    let d;
    if (needsFacts(v)) {
      const p = facts.purses.get(v.purseId);
      const purse = p && { ...p, spent: p.spent + (spentNow.get(v.purseId) ?? 0) };
      d = decide(e, v, { sameTx: byTx.get(e.txId), purse, prior: byPurse.get(v.purseId) ?? [] });
    } else {
      d = decide(e, v, NO_FACTS);
    }
    if (d.kind === 'rejected') incidents.add('invalid-payment', e.index, d.reason);
    if (v.kind === 'payment' && d.kind === 'fraud') w.frauds.push({ entry: e, payment: v, fraud: d.fraud, detail: d.detail, first: d.first });
    if (v.kind === 'payment' && d.kind === 'settle') {
      const currency = (facts.purses.get(v.purseId) as { currency: string }).currency;
      const merchant = merchantAccount(merchantId);
      assertSameCurrency(purseAccount(v.purseId), merchant, [
        { id: purseAccount(v.purseId), currency },
        ...(facts.merchantCurrency === undefined ? [] : [{ id: merchant, currency: facts.merchantCurrency }]),
      ]);
      const s = priorFrom(e, v);
      byTx.set(e.txId, s);
      remember(s);
      spentNow.set(v.purseId, (spentNow.get(v.purseId) ?? 0) + v.charged);
      w.settlements.push({ entry: e, payment: v });
    }
    const o: EntryOutcome = { index: e.index, txId: e.txId, ...outcomeOf(d) };
    w.records.push({ entry: e, status: o.status, reason: o.reason ?? null });
    w.outcomes.push(o);
  }
  return w;
}
