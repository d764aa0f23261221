// Clearing: verifies a terminal's journal batch with the protocol library, then lets the ledger chain and settle it.
import { systemClock, silentLogger, type Clock, type Logger } from '#common';
import {
  DECISION,
  DEFAULT_SKEW,
  decodeCbor,
  decodeObject,
  equalBytes,
  recordHash,
  toHex,
  verifyJournalRecord,
  verifyPayment,
  type JournalRecord,
  type PaymentContext,
  type TrustStore,
} from '#protocol';
import type { EntryVerdict, JournalEntry, Ledger, TerminalRecord } from './ledger.js';
import type { Ack, AckResult } from './topics.js';

/** Most records accepted in one batch message (a terminal sends a few hundred at most). */
export const MAX_BATCH = 5_000;

export interface BatchResult {
  ack: Ack;
  denylistChanged: boolean;
  /** False when the terminal is unknown (no ack is owed to it). */
  known: boolean;
}

export class ClearingEngine {
  constructor(
    private readonly ledger: Ledger,
    /** Replaced when a newer trust list is installed (BackOffice.adoptTrust). */
    public trust: TrustStore,
    private readonly clock: Clock = systemClock,
    private readonly log: Logger = silentLogger(),
  ) {}

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** Splits a batch payload (deterministic CBOR array of COSE byte strings); undefined when malformed. */
  static decodeBatch(payload: Uint8Array): Uint8Array[] | undefined {
    try {
      const v = decodeCbor(payload, MAX_BATCH + 1);
      if (!Array.isArray(v) || v.length > MAX_BATCH || !v.every((x) => x instanceof Uint8Array)) return undefined;
      return v as Uint8Array[];
    } catch {
      return undefined;
    }
  }

  async processBatch(terminalId: string, payload: Uint8Array): Promise<BatchResult> {
    const now = this.nowSeconds();
    const terminal = await this.ledger.getTerminal(terminalId);
    if (!terminal) {
      await this.ledger.recordIncident({ terminalId, index: null, kind: 'unknown-terminal', detail: 'journal from a terminal this back office never enrolled', at: now });
      this.log.warn({ terminalId }, 'journal from an unknown terminal refused');
      return { ack: { upTo: 0, results: [] }, denylistChanged: false, known: false };
    }
    const records = ClearingEngine.decodeBatch(payload);
    if (!records) {
      await this.ledger.recordIncident({ terminalId, index: null, kind: 'bad-record', detail: 'batch is not a CBOR array of byte strings', at: now });
      return { ack: { upTo: terminal.lastIndex, results: [] }, denylistChanged: false, known: true };
    }
    const refused: AckResult[] = [];
    const entries: JournalEntry[] = [];
    for (const bytes of records) {
      const v = verifyJournalRecord(bytes, { terminalPublicKey: terminal.publicKey, terminalId, trust: this.trust });
      if (!v.ok) {
        // Report what the record claims to be, if it parses at all; it is never recorded.
        const d = decodeObject('JOURNAL_RECORD', bytes);
        const index = d.ok ? d.value.value.index : 0;
        const txId = d.ok ? toHex(d.value.value.txId) : '';
        await this.ledger.recordIncident({ terminalId, index: d.ok ? index : null, kind: 'bad-record', detail: `${v.reason}: ${v.detail}`, at: now });
        refused.push({ index, txId, status: 'rejected', reason: `${v.reason}: ${v.detail}` });
        continue;
      }
      const rec = v.value.value;
      entries.push({
        terminalId,
        index: rec.index,
        prevHash: rec.prevHash,
        hash: recordHash(bytes),
        txId: toHex(rec.txId),
        record: bytes,
        payment: rec.payment,
        time: rec.time,
        verdict: this.verdict(terminal, rec, now),
      });
    }
    const out = entries.length > 0 ? await this.ledger.applyJournal(terminalId, entries, now) : { upTo: terminal.lastIndex, outcomes: [], held: [], denylistChanged: false };
    const results: AckResult[] = [...refused, ...out.outcomes].sort((a, b) => a.index - b.index);
    this.log.info({ terminalId, records: records.length, upTo: out.upTo, held: out.held.length }, 'journal batch cleared');
    return { ack: { upTo: out.upTo, results }, denylistChanged: out.denylistChanged, known: true };
  }

  /**
   * Re-verifies the payment in an approved record. The back office cannot know the terminal's
   * request nonce or the fare in force, so it checks everything else: signatures, the purse
   * certificate at the record's time, currency, limits, the payee binding to this terminal, and
   * that the charge is positive and within what the payment authorised.
   */
  verdict(t: TerminalRecord, rec: JournalRecord, now: number): EntryVerdict {
    if (rec.decision === DECISION.declined) return { kind: 'declined' };
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
