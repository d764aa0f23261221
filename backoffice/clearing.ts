// Clearing: verifies a terminal's journal batch with the protocol library, then lets the ledger chain and settle it.
import { systemClock, silentLogger, type Clock, type Logger } from '#common';
import {
  DECISION,
  DEFAULT_SKEW,
  decodeBatch,
  decodeObject,
  equalBytes,
  recordHash,
  toHex,
  verifyJournalRecord,
  verifyPayment,
  type AckResult,
  type JournalRecord,
  type PaymentContext,
  type TrustStore,
} from '#protocol';
import { IncidentTally } from './incidents.js';
import { adjustmentVerdict, pendingAdjustments, settleAdjustment, type RecordedAdjustment } from './adjustments.js';
import type { BatchOutcome, ChainRecord, EntryVerdict, IncidentReport, JournalEntry, Ledger, TerminalRecord } from './ledger.js';

/** What clearing owes a terminal after a batch: the ack's content (signed by the service) and, after a gap, where to re-send from. */
export interface ClearingAck {
  /** Highest contiguous index recorded. */
  upTo: number;
  /** Hash of the recorded record at upTo (32 zero bytes at 0). */
  hash: Uint8Array;
  results: AckResult[];
}

export interface BatchResult {
  ack: ClearingAck;
  /** Set when records are held behind a gap: the terminal should re-send from this index. */
  resyncFrom?: number;
  /** The highest index held behind that gap (set with resyncFrom): once the head reaches it, the gap is closed. */
  heldUpTo?: number;
  denylistChanged: boolean;
  /** False when the terminal is unknown (no ack is owed to it). */
  known: boolean;
  /**
   * True when every record came from a retired chain (a key replaced by re-enrolment): they are
   * recorded as history, but no ack is owed, because the terminal's ack topic now serves its new chain.
   */
  retiredOnly?: boolean;
}

/** The verdict of a record at an index already recorded: never cleared (duplicate or fork), so never judged. */
const ALREADY_RECORDED: EntryVerdict = { kind: 'rejected', reason: 'index already recorded: a re-delivery or a fork, not cleared again' };

/** A record verified under one of the terminal's keys, with the chain that key signs. */
interface Signed {
  chain: ChainRecord;
  rec: JournalRecord;
}

export class ClearingEngine {
  constructor(
    private readonly ledger: Ledger,
    /** Replaced when a newer trust list is installed (BackOffice.adoptTrust). */
    public trust: TrustStore,
    private readonly clock: Clock = systemClock,
    private readonly log: Logger = silentLogger(),
    /** Runs after each committed batch write (the back office opens sealed details there); its failure never fails the batch. */
    private readonly afterApply?: (entries: JournalEntry[], out: BatchOutcome) => Promise<void>,
  ) {}

  private async applied(entries: JournalEntry[], out: BatchOutcome): Promise<BatchOutcome> {
    await this.afterApply?.(entries, out).catch((err: unknown) => this.log.error({ err }, 'after-batch step failed (the batch is recorded)'));
    return out;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  private async incident(i: Omit<IncidentReport, 'lastIndex' | 'count'>): Promise<void> {
    await this.ledger.recordIncident({ ...i, lastIndex: i.index, count: 1 });
  }

  async processBatch(terminalId: string, payload: Uint8Array): Promise<BatchResult> {
    const now = this.nowSeconds();
    const terminal = await this.ledger.getTerminal(terminalId);
    if (!terminal) {
      await this.incident({ terminalId, index: null, kind: 'unknown-terminal', detail: 'journal from a terminal this back office never enrolled', at: now });
      this.log.warn({ terminalId }, 'journal from an unknown terminal refused');
      return { ack: { upTo: 0, hash: new Uint8Array(32), results: [] }, denylistChanged: false, known: false };
    }
    const batch = decodeBatch(payload);
    if (!batch.ok) {
      await this.incident({ terminalId, index: null, kind: 'bad-record', detail: `batch refused: ${batch.reason} ${batch.detail}`, at: now });
      return { ack: { upTo: terminal.lastIndex, hash: terminal.lastHash, results: [] }, denylistChanged: false, known: true };
    }
    const records = batch.value;
    // One incident row per kind for the whole batch: a flood of garbage costs one row, not one per record.
    const incidents = new IncidentTally(terminalId, now);
    const refused: AckResult[] = [];
    const byChain = new Map<number, { chain: ChainRecord; entries: JournalEntry[] }>();
    let chains: ChainRecord[] | undefined;
    /** The batch's voids and refunds by chain and index: settled once their records are recorded. */
    const adjustments = new Map<string, RecordedAdjustment>();
    for (const bytes of records) {
      const current = this.verifyUnder(bytes, terminal, [{ ...terminal, retiredAt: null }]);
      // Only a record the current key refuses is tried against the keys of retired chains.
      const s = current.ok ? current : this.verifyUnder(bytes, terminal, (chains ??= (await this.ledger.chains(terminalId)).filter((c) => c.retiredAt !== null)), current);
      if (!s.ok) {
        // Report what the record claims to be, if it parses at all; it is never recorded.
        const d = decodeObject('JOURNAL_RECORD', bytes);
        const index = d.ok ? d.value.value.index : 0;
        incidents.add('bad-record', d.ok ? index : null, s.reason);
        refused.push({ index, status: 'rejected', reason: s.reason });
        continue;
      }
      const { chain, rec } = s.value;
      const adj = adjustmentVerdict(rec);
      if (adj) adjustments.set(`${chain.chain}:${rec.index}`, { terminalId, chain: chain.chain, index: rec.index, txId: toHex(rec.txId), merchantId: chain.retiredAt === null ? terminal.merchantId : chain.merchantId, verdict: adj });
      const group = byChain.get(chain.chain) ?? { chain, entries: [] };
      byChain.set(chain.chain, group);
      group.entries.push({
        terminalId,
        chain: chain.chain,
        index: rec.index,
        prevHash: rec.prevHash,
        hash: recordHash(bytes),
        txId: toHex(rec.txId),
        record: bytes,
        payment: rec.payment ?? new Uint8Array(0),
        time: rec.time,
        // An index of the current chain at or below the head read above is a re-delivery or a fork
        // whatever happens meanwhile (a chain's head only grows): the chain plan never clears it, so
        // its payment is not verified again (re-sends after a lost ack or a killed worker are common).
        verdict: chain.retiredAt === null && rec.index <= terminal.lastIndex ? ALREADY_RECORDED : this.chainVerdict(terminal, chain, rec, now),
      });
    }
    for (const i of incidents.reports) await this.ledger.recordIncident(i);
    let denylistChanged = false;
    for (const { chain, entries } of byChain.values()) {
      if (chain.chain !== terminal.chain && (await this.clearRetired(terminal, chain.chain, entries, now, adjustments))) denylistChanged = true;
    }
    const current = byChain.get(terminal.chain)?.entries ?? [];
    // The chain is named, not implied: a re-enrolment between the look-up above and this write must
    // not put records signed by the old key on the new chain.
    const out: BatchOutcome = current.length > 0 ? await this.applied(current, await this.ledger.applyJournal(terminalId, current, now, terminal.chain)) : { upTo: terminal.lastIndex, outcomes: [], held: [], denylistChanged: false };
    const refusedNow = await this.settleAdjustments(out, terminal.chain, adjustments, now);
    const outcomes = out.outcomes.map(({ index, status, reason }): AckResult => {
      const why = refusedNow.get(index) ?? reason;
      return { index, status: refusedNow.has(index) ? 'rejected' : status, ...(why !== undefined ? { reason: why } : {}) };
    });
    const results = [...refused, ...outcomes].sort((a, b) => a.index - b.index);
    // The ack names the recorded chain's head by its hash, read back after the write (another
    // clearing instance may have moved it further meanwhile: the later head is as true).
    const head = current.length > 0 ? ((await this.ledger.getTerminal(terminalId)) ?? terminal) : terminal;
    this.log.info({ terminalId, records: records.length, upTo: head.lastIndex, held: out.held.length }, 'journal batch cleared');
    const retiredOnly = (current.length === 0 && byChain.size > 0) || out.retired === true;
    return {
      ack: { upTo: head.lastIndex, hash: head.lastHash, results },
      ...(out.held.length > 0 ? { resyncFrom: head.lastIndex + 1, heldUpTo: Math.max(...out.held) } : {}),
      denylistChanged: denylistChanged || out.denylistChanged,
      known: true,
      ...(retiredOnly ? { retiredOnly } : {}),
    };
  }

  /** Late records of a retired chain: cleared onto it as history, reported once per batch; true when the deny list changed. */
  private async clearRetired(terminal: TerminalRecord, chain: number, entries: JournalEntry[], now: number, adjustments: Map<string, RecordedAdjustment>): Promise<boolean> {
    const o = await this.applied(entries, await this.ledger.applyJournal(terminal.terminalId, entries, now, chain));
    await this.settleAdjustments(o, chain, adjustments, now);
    const indexes = entries.map((e) => e.index);
    await this.ledger.recordIncident({
      terminalId: terminal.terminalId,
      kind: 'retired-chain',
      index: Math.min(...indexes),
      lastIndex: Math.max(...indexes),
      count: entries.length,
      detail: `records signed by the key of retired chain ${chain}: recorded as that chain's history (up to ${o.upTo}); no ack, the ack topic serves chain ${terminal.chain}`,
      at: now,
    });
    this.log.warn({ terminalId: terminal.terminalId, chain, records: entries.length, upTo: o.upTo }, 'journal from a retired terminal key recorded as history');
    return o.denylistChanged;
  }

  /**
   * After a batch's write: every void or refund it recorded (or received again) is settled as a
   * refund; returns the refused ones' reasons by index (their ack result is rejected).
   */
  private async settleAdjustments(out: BatchOutcome, chain: number, adjustments: Map<string, RecordedAdjustment>, now: number): Promise<Map<number, string>> {
    const refused = new Map<number, string>();
    for (const o of out.outcomes) {
      const a = adjustments.get(`${chain}:${o.index}`);
      if (!a || (o.status !== 'settled' && o.status !== 'duplicate')) continue;
      const r = await settleAdjustment(this.ledger, a, now);
      if (r && !r.ok) refused.set(o.index, r.reason);
      if (r) this.log.info({ terminalId: a.terminalId, index: a.index, kind: a.verdict.adjustment, original: a.verdict.original, ok: r.ok }, r.ok ? 'adjustment settled as a refund' : 'adjustment refused');
    }
    return refused;
  }

  /**
   * Settles the voids and refunds recorded since `since` (seconds) whose refund failed after their
   * batch committed (adjustments.ts pendingAdjustments); returns how many were settled or refused now.
   */
  async settlePending(since: number): Promise<number> {
    const now = this.nowSeconds();
    let n = 0;
    for (const a of await pendingAdjustments(this.ledger, since)) if (await settleAdjustment(this.ledger, a, now)) n++;
    if (n > 0) this.log.warn({ adjustments: n }, 'voids and refunds left unsettled by an earlier failure settled now');
    return n;
  }

  /** The first chain whose key signed the record; else the first refusal (as `reason: detail`). */
  private verifyUnder(bytes: Uint8Array, t: TerminalRecord, chains: ChainRecord[], first?: { ok: false; reason: string }): { ok: true; value: Signed } | { ok: false; reason: string } {
    let refusal = first;
    for (const chain of chains) {
      const v = verifyJournalRecord(bytes, { terminalPublicKey: chain.publicKey, terminalId: t.terminalId, trust: this.trust });
      if (v.ok) return { ok: true, value: { chain, rec: v.value.value } };
      refusal ??= { ok: false, reason: `${v.reason}: ${v.detail}` };
    }
    return refusal ?? { ok: false, reason: 'no key to verify the record with' };
  }

  /** A retired chain's records are judged as its certificate's merchant's, and only up to the retirement. */
  private chainVerdict(t: TerminalRecord, chain: ChainRecord, rec: JournalRecord, now: number): EntryVerdict {
    if (chain.retiredAt === null) return this.verdict(t, rec, now);
    if (rec.time > chain.retiredAt + DEFAULT_SKEW) {
      return { kind: 'rejected', reason: `record time ${rec.time} is after its key was retired at ${chain.retiredAt} (terminal re-enrolled)` };
    }
    return this.verdict({ ...t, merchantId: chain.merchantId, mode: chain.mode }, rec, now);
  }

  /**
   * Re-verifies the payment in an approved record. The back office cannot know the terminal's
   * request nonce or the fare in force, so it checks everything else: signatures, the purse
   * certificate at the record's time, currency, limits, the payee binding to this terminal, and
   * that the charge is positive and within what the payment authorised.
   */
  verdict(t: TerminalRecord, rec: JournalRecord, now: number): EntryVerdict {
    if (rec.decision === DECISION.declined) return { kind: 'declined' };
    const adjustment = adjustmentVerdict(rec);
    if (adjustment) return rec.time > now + DEFAULT_SKEW ? { kind: 'rejected', reason: `record time ${rec.time} is in the future` } : adjustment;
    if (!rec.payment) return { kind: 'rejected', reason: 'record carries no payment' };
    const d = decodeObject('PAYMENT', rec.payment);
    if (!d.ok) return { kind: 'rejected', reason: `${d.reason}: ${d.detail}` };
    const p = d.value.value;
    if (rec.time > now + DEFAULT_SKEW) return { kind: 'rejected', reason: `record time ${rec.time} is in the future` };
    if (rec.amountCharged <= 0 || rec.amountCharged > p.amount) return { kind: 'rejected', reason: `charged ${rec.amountCharged}, authorised ${p.amount}` };
    const operatorId = t.operatorId ?? t.merchantId;
    const ctx: PaymentContext = {
      trust: this.trust,
      now: rec.time,
      terminal: { id: t.terminalId, mode: t.mode, operatorId, ...((t.line ?? p.line) !== undefined ? { line: t.line ?? p.line } : {}) },
    };
    if (t.mode === 'merchant') {
      ctx.request = { nonce: p.requestNonce ?? new Uint8Array(16), amount: p.amount, currency: p.currency, expiresAt: rec.time };
    } else {
      ctx.fares = { currency: p.currency, operatorId, utcOffsetMinutes: 0, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: rec.amountCharged }] };
    }
    const r = verifyPayment(rec.payment, ctx);
    if (!r.ok) return { kind: 'rejected', reason: `${r.reason}: ${r.detail}` };
    if (!equalBytes(r.value.txId, rec.txId)) return { kind: 'rejected', reason: 'record txId is not the payment transaction id' };
    return {
      kind: 'payment',
      purseId: toHex(r.value.purse.purseId),
      seq: p.seq,
      cumulative: p.cumulative,
      authorised: p.amount,
      charged: rec.amountCharged,
    };
  }
}
