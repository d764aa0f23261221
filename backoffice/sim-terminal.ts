// A minimal in-process terminal for tests and the demo: requests, offline verification, a signed journal chain.
// It is not the daemon: no devices, no durable store; just enough protocol to feed clearing honestly.
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import {
  ADJUSTMENT,
  DECISION,
  KeySigner,
  REASONS,
  decodeObject,
  encodeCbor,
  fromHex,
  fromQrText,
  recordHash,
  signObject,
  toHex,
  toQrText,
  verifyFleetMessage,
  verifyPayment,
  summarizeAck,
  topics,
  verifyAck,
  type AckSummary,
  type AdjustmentKind,
  type TrustStore,
  type JournalRecord,
  type PaymentContext,
  type TerminalCert,
  type TerminalConfigBody,
} from '#protocol';

export interface SimDecision {
  approved: boolean;
  reason?: string;
  index?: number;
  txId?: string;
  charged?: number;
}

export class SimulatedTerminal {
  readonly key: KeySigner;
  readonly terminalId: string;
  cert: TerminalCert | undefined;
  certBytes: Uint8Array | undefined;
  config: TerminalConfigBody | undefined;
  /** Records not yet acknowledged (COSE bytes by index). */
  readonly backlog = new Map<number, Uint8Array>();
  /** Every record ever journalled, in order (index i at position i − 1). */
  readonly journal: Uint8Array[] = [];
  readonly denied = new Set<string>();
  denylistVersion = 0;
  private index = 0;
  private prevHash: Uint8Array = new Uint8Array(32);
  private request: { nonce: Uint8Array; amount: number; currency: string; expiresAt: number } | undefined;
  private readonly purses = new Map<string, { lastSeq: number; lastCumulative: number }>();

  constructor(
    terminalId: string,
    private readonly trust: TrustStore,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
    key: KeySigner = KeySigner.generate(),
  ) {
    this.terminalId = terminalId;
    this.key = key;
  }

  /** TE1 text: the self-signed enrolment request `tessera provision request` would print. */
  async enrolmentRequest(hardwareId = 'sim-hw'): Promise<string> {
    const bytes = await signObject('ENROLMENT_REQUEST', { terminalId: this.terminalId, publicKey: this.key.publicKey, hardwareId, time: this.now() }, this.key);
    return toQrText('ENROLMENT_REQUEST', bytes);
  }

  install(certText: string, config?: TerminalConfigBody): void {
    const b = fromQrText('TERMINAL_CERT', certText);
    const d = b.ok ? decodeObject('TERMINAL_CERT', b.value) : b;
    if (!d.ok) throw new Error(`bad certificate: ${d.detail}`);
    this.cert = d.value.value;
    this.certBytes = d.value.bytes;
    this.config = config;
  }

  /** A signed payment request (merchant mode), as QR text. */
  async requestPayment(amount: number, currency: string, reference?: string): Promise<string> {
    if (!this.certBytes) throw new Error('not installed');
    const nonce = new Uint8Array(randomBytes(16));
    const time = this.now();
    this.request = { nonce, amount, currency, expiresAt: time + 120 };
    const bytes = await signObject('PAYMENT_REQUEST', { terminalCert: this.certBytes, amount, currency, nonce, time, ...(reference ? { reference } : {}) }, this.key);
    return toQrText('PAYMENT_REQUEST', bytes);
  }

  /** Verifies a scanned payment offline, journals the decision (signed, chained) and returns it. */
  async accept(paymentText: string): Promise<SimDecision> {
    const cert = this.cert;
    if (!cert) throw new Error('not installed');
    const now = this.now();
    const pb = fromQrText('PAYMENT', paymentText);
    const peek = pb.ok ? decodeObject('PAYMENT', pb.value) : pb;
    const purseKey = peek.ok ? (() => { const pc = decodeObject('PURSE_CERT', peek.value.value.purseCert); return pc.ok ? toHex(pc.value.value.purseId) : ''; })() : '';
    const ctx: PaymentContext = {
      trust: this.trust,
      now,
      terminal: { id: cert.terminalId, mode: cert.mode, operatorId: this.config?.operatorId ?? cert.merchantId, ...(this.config?.line ? { line: this.config.line } : {}) },
      ...(this.request ? { request: this.request } : {}),
      ...(this.config ? { fares: this.config } : {}),
      isDenied: (id) => this.denied.has(toHex(id)),
      ...(this.purses.has(purseKey) ? { purse: this.purses.get(purseKey) } : {}),
    };
    const r = verifyPayment(paymentText, ctx);
    if (!r.ok && !r.txId) return { approved: false, reason: r.reason };
    const approved = r.ok;
    const txId = r.ok ? r.value.txId : (r.txId as Uint8Array);
    const charged = r.ok ? r.value.charge : 0;
    const rec: JournalRecord = {
      terminalId: this.terminalId,
      index: this.index + 1,
      prevHash: this.prevHash,
      txId,
      payment: peek.ok ? peek.value.bytes : new Uint8Array(),
      decision: approved ? DECISION.approved : DECISION.declined,
      reason: r.ok ? 0 : REASONS[r.reason].n,
      amountCharged: charged,
      time: now,
    };
    await this.append(rec);
    if (r.ok) {
      this.purses.set(purseKey, { lastSeq: r.value.payment.seq, lastCumulative: r.value.payment.cumulative });
      if (cert.mode === 'merchant') this.request = undefined;
    }
    return { approved, ...(r.ok ? {} : { reason: r.reason }), index: rec.index, txId: toHex(txId), charged };
  }

  /** Signs, chains and keeps one record. */
  private async append(rec: JournalRecord): Promise<Uint8Array> {
    const bytes = await signObject('JOURNAL_RECORD', rec, this.key);
    this.index = rec.index;
    this.prevHash = recordHash(bytes);
    this.backlog.set(rec.index, bytes);
    this.journal.push(bytes);
    return bytes;
  }

  /**
   * Journals a void or refund of `originalTxId` as given, without the terminal's own checks (so a
   * test can send the back office one it must refuse); returns its index and own id.
   */
  async adjust(kind: AdjustmentKind, originalTxId: string, amount: number, currency: string, note?: string): Promise<{ index: number; txId: string }> {
    const txId = new Uint8Array(randomBytes(32));
    const rec: JournalRecord = {
      terminalId: this.terminalId,
      index: this.index + 1,
      prevHash: this.prevHash,
      txId,
      decision: DECISION.approved,
      reason: 0,
      amountCharged: amount,
      time: this.now(),
      adjustment: ADJUSTMENT[kind],
      original: fromHex(originalTxId),
      currency,
      ...(note ? { note } : {}),
    };
    await this.append(rec);
    return { index: rec.index, txId: toHex(txId) };
  }

  /** Applies a deny-list fleet message as a terminal would (verified, no rollback). */
  applyFleet(bytes: Uint8Array): boolean {
    const v = verifyFleetMessage(bytes, { trust: this.trust, now: this.now(), terminalId: this.terminalId, appliedVersion: this.denylistVersion });
    if (!v.ok || !v.value.value.denylist) return false;
    this.denied.clear();
    for (const id of v.value.value.denylist) this.denied.add(toHex(id));
    this.denylistVersion = v.value.value.version;
    return true;
  }

  /** The journal batch payload for the unacknowledged backlog (or the given record bytes). */
  batch(records?: Uint8Array[]): Uint8Array {
    return encodeCbor(records ?? [...this.backlog.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b));
  }

  /** Verifies a signed ack as a terminal does (CLEARING key, addressee, head, record hash) and drops what it acknowledges. */
  applyAck(bytes: Uint8Array): AckSummary {
    const v = verifyAck(bytes, {
      trust: this.trust,
      now: this.now(),
      terminalId: this.terminalId,
      head: this.index,
      hashAt: (i) => (i === 0 ? new Uint8Array(32) : this.journal[i - 1] && recordHash(this.journal[i - 1] as Uint8Array)),
    });
    if (!v.ok) throw new Error(`ack refused: ${v.reason} ${v.detail}`);
    const ack = summarizeAck(v.value.value);
    for (const i of [...this.backlog.keys()]) if (i <= ack.upTo) this.backlog.delete(i);
    return ack;
  }

  /** Publishes the backlog (or `payload`) and waits, bounded, for the matching ack (verified). */
  async sync(client: MqttClient, timeoutMs = 10_000, payload?: Uint8Array): Promise<AckSummary> {
    const topic = topics.ack(this.terminalId);
    const got = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('message', onMsg);
        reject(new Error(`no ack for ${this.terminalId} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMsg = (t: string, p: Buffer) => {
        if (t !== topic) return;
        clearTimeout(timer);
        client.off('message', onMsg);
        resolve(p);
      };
      client.on('message', onMsg);
    });
    await client.subscribeAsync(topic, { qos: 1 });
    await client.publishAsync(topics.journal(this.terminalId), Buffer.from(payload ?? this.batch()), { qos: 1 });
    return this.applyAck(new Uint8Array(await got));
  }
}
