// The checkout state machine: scan → verify → limits → commit → show → print, for merchant and transit terminals.
import { randomBytes } from 'node:crypto';
import { EventBus, TesseraError, errorMessage, isTesseraError, message, silentLogger, type Clock, type Logger } from '#common';
import {
  MAX_AMOUNT,
  REASONS,
  decodeObject,
  fromHex,
  fromQrText,
  kindOfQrText,
  signObject,
  toHex,
  toQrText,
  transactionId,
  verifyPayment,
  type PaymentContext,
  type ReasonCode,
} from '#protocol';
import type { JournalRow, Store } from '../store/index.js';
import type { TrustedClock } from '../time.js';
import type { TerminalConfig } from '../config.js';
import type { DisplayLike, PrintedReceipt, PrinterLike, ScanRefusalLike, ScannerLike, Screen } from './devices.js';
import type { FleetState } from './fleet.js';
import type { TerminalIdentity } from './identity.js';
import { LatencyStats, type LatencySummary } from './latency.js';
import { Adjustments } from './adjustments.js';
import { checkLimits, fleetFreshness, staleReason, type FleetFreshness } from './limits.js';
import type { CheckoutCounters, CheckoutEvents, Decision, PaymentState, ReceiptState } from './types.js';

export interface CheckoutOptions {
  store: Store;
  fleet: FleetState;
  trustedClock: TrustedClock;
  clock: Clock;
  identity: TerminalIdentity;
  display: DisplayLike;
  printer?: PrinterLike | undefined;
  config: Pick<TerminalConfig, 'merchant' | 'transit' | 'limits' | 'locale'>;
  /** Since when the terminal counts as offline if it never synced (ms). */
  offlineSinceMs: () => number;
  log?: Logger;
  random?: (n: number) => Uint8Array;
  /** Monotonic ms for latency measurement (real time even when the wall clock is simulated). */
  hrtime?: () => number;
}

export interface StartPaymentInput {
  amount: number;
  currency?: string;
  reference?: string;
}

interface OpenRequest {
  state: PaymentState;
  nonce: Uint8Array;
  expiresAtSeconds: number;
  expiresAtMono: number;
}

interface PaymentFacts {
  txId: Uint8Array;
  bytes: Uint8Array;
  purseId?: Uint8Array | undefined;
  seq?: number | undefined;
  timeMs: number;
}

const RECENT = 50;

/** Whether `bytes` are exactly the payment an approved journal row recorded (its signed record carries them). */
function journaledBytesEqual(row: JournalRow, bytes: Uint8Array): boolean {
  const r = decodeObject('JOURNAL_RECORD', row.record);
  const p = r.ok ? r.value.value.payment : undefined;
  return p !== undefined && Buffer.compare(p, bytes) === 0;
}

export class Checkout {
  readonly bus: EventBus<CheckoutEvents>;
  /** Voids and refunds of journalled payments (the register's control API). */
  readonly adjustments: Adjustments;
  readonly counters: CheckoutCounters = { scans: 0, approved: 0, declined: 0, unreadable: 0, rereads: 0, alreadyValidated: 0, storageFailures: 0 };
  private readonly latencyStats = new LatencyStats();
  private readonly log: Logger;
  private readonly random: (n: number) => Uint8Array;
  private readonly hrtime: () => number;
  private chain: Promise<unknown> = Promise.resolve();
  private open: OpenRequest | undefined;
  private starting = false;
  private committing = false;
  private readonly recent = new Map<string, PaymentState>();
  private homeTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly prints = new Set<Promise<void>>();
  private stopped = true;
  /** hrtime when the decision in progress started (undefined: none running). */
  private decidingSince: number | undefined;

  constructor(private readonly o: CheckoutOptions) {
    this.log = o.log ?? silentLogger();
    this.random = o.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.hrtime = o.hrtime ?? (() => performance.now());
    this.bus = new EventBus((event, error) => this.log.error({ err: error, event }, 'checkout listener failed'));
    this.adjustments = new Adjustments({ ...o, random: this.random, print: (r) => this.print(r), log: this.log });
  }

  get mode(): 'merchant' | 'transit' {
    return this.o.identity.mode;
  }

  start(): void {
    this.stopped = false;
    this.showHome();
  }

  /** Finishes the decision in flight and pending prints; later scans are refused. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.homeTimer);
    clearTimeout(this.expiryTimer);
    await this.chain.catch(() => undefined);
    await Promise.allSettled([...this.prints]);
  }

  /** Subscribes to a scanner's codes; returns the unsubscribe. */
  attachScanner(scanner: ScannerLike): () => void {
    const onScan = (code: string): void => {
      this.scan(code).catch((e: unknown) => this.log.error({ err: e }, 'scan handling failed'));
    };
    const onRefused = (r: ScanRefusalLike): void => {
      this.refuseScan(r).catch((e: unknown) => this.log.error({ err: e }, 'scan handling failed'));
    };
    scanner.on('scan', onScan);
    scanner.on('refused', onRefused);
    return () => {
      scanner.off?.('scan', onScan);
      scanner.off?.('refused', onRefused);
    };
  }

  /** One presented code → one decision. Decisions run one at a time, in arrival order. */
  scan(text: string): Promise<Decision> {
    return this.enqueue((t0) => this.decide(text, t0));
  }

  /**
   * A line the scanner refused to deliver (longer than its maxLength, or not printable) is an
   * unreadable code to the customer: declined with TOO_LARGE or MALFORMED, shown, counted and logged,
   * like a code that does not decode. Nothing is journaled: there is no payment to record.
   */
  refuseScan(r: ScanRefusalLike): Promise<Decision> {
    return this.enqueue((t0) => {
      this.counters.scans++;
      if (r.reason === 'too-long') return this.unreadable('TOO_LARGE', `scanned line of ${r.length} characters is longer than the scanner's maxLength ${r.maxLength}`, t0);
      return this.unreadable('MALFORMED', `scanned line of ${r.length} characters holds characters outside printable ASCII`, t0);
    });
  }

  private enqueue(fn: (t0: number) => Promise<Decision> | Decision): Promise<Decision> {
    const t0 = this.hrtime();
    const run = this.chain
      .then(() => {
        this.decidingSince = this.hrtime();
        return fn(t0);
      })
      .finally(() => (this.decidingSince = undefined));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** How long the decision in progress has been running (ms); 0 when none is. The daemon's watchdog reads it. */
  decidingForMs(): number {
    return this.decidingSince === undefined ? 0 : this.hrtime() - this.decidingSince;
  }

  latency(): LatencySummary {
    return this.latencyStats.summary();
  }

  /** Why the terminal cannot take payments now, or undefined when it can. */
  notReadyReason(): string | undefined {
    if (this.stopped) return 'stopping';
    const now = this.o.trustedClock.now();
    if (now.seconds === null) return 'clock not trusted';
    const c = this.o.identity.cert;
    if (now.seconds < c.notBefore) return 'terminal certificate not yet valid';
    if (now.seconds > c.notAfter) return 'terminal certificate expired';
    return undefined;
  }

  /** Ages of the trust and deny lists against their limits, at trusted time (or the time mark while untrusted). */
  freshness(): FleetFreshness {
    const now = this.o.trustedClock.now();
    return fleetFreshness(this.o.config.limits, now.ms ?? now.hwmMs, this.o.fleet.trustIssuedAt(), this.o.fleet.denylist()?.issuedAt);
  }

  /**
   * Why the terminal cannot take payments now: not ready, the disk cannot record (STORAGE_FAILED),
   * or every payment would be declined as TRUST_STALE. Status, the resting screen and new payment requests use it; a scan still reaches
   * the limits, so its decline names TRUST_STALE.
   */
  outOfServiceReason(): string | undefined {
    return this.notReadyReason() ?? this.storageReason() ?? staleReason(this.freshness());
  }

  /**
   * STORAGE_FAILED while the last write failed on the disk and a probe write still fails. Scans are
   * still decided (each commit attempt is a probe, declined STORAGE_FAILED while it fails), so a
   * terminal started on a full disk takes payments again as soon as space returns.
   */
  storageReason(): string | undefined {
    const fault = this.o.store.storageFault();
    if (fault === undefined || this.o.store.probeStorage(this.o.clock.now())) return undefined;
    return `STORAGE_FAILED: ${fault}`;
  }

  // ---------------------------------------------------------------- merchant requests

  async startPayment(input: StartPaymentInput): Promise<PaymentState> {
    if (this.mode !== 'merchant') throw new TesseraError('TERMINAL_NOT_READY', 'this is a transit validator: riders pay by scanning, there are no payment requests');
    const currency = input.currency ?? this.o.config.merchant.currency;
    if (!Number.isSafeInteger(input.amount) || input.amount < 1 || input.amount > MAX_AMOUNT) {
      throw new TesseraError('API_BAD_REQUEST', `amount must be an integer number of minor units between 1 and ${MAX_AMOUNT}`);
    }
    if (!/^[A-Z]{3}$/.test(currency)) throw new TesseraError('API_BAD_REQUEST', 'currency must be a three-letter ISO 4217 code');
    // One terminal, one currency: its purses, limits and daily totals are all in merchant.currency.
    if (currency !== this.o.config.merchant.currency) {
      throw new TesseraError('CURRENCY_MISMATCH', `this terminal takes ${this.o.config.merchant.currency} only, not ${currency} (merchant.currency)`, {
        details: { currency, accepted: [this.o.config.merchant.currency] },
      });
    }
    if (input.reference !== undefined && (input.reference.length > 32 || !/^[^\p{Cc}]*$/u.test(input.reference))) {
      throw new TesseraError('API_BAD_REQUEST', 'reference must be at most 32 printable characters');
    }
    this.expireIfDue();
    if (this.open || this.starting) throw new TesseraError('PAYMENT_BUSY', `payment ${this.open?.state.id ?? '(starting)'} is still open; cancel it first`);
    const why = this.outOfServiceReason();
    if (why) throw new TesseraError('TERMINAL_NOT_READY', `cannot take payments: ${why}`);
    this.starting = true;
    try {
      const now = this.o.trustedClock.now();
      const seconds = now.seconds as number;
      const nonce = this.random(16);
      const timeout = this.o.config.merchant.requestTimeoutSeconds;
      const bytes = await signObject(
        'PAYMENT_REQUEST',
        { terminalCert: this.o.identity.certBytes, amount: input.amount, currency, nonce, time: seconds, ...(input.reference ? { reference: input.reference } : {}) },
        this.o.identity.signer,
      );
      const state: PaymentState = {
        id: toHex(nonce),
        status: 'pending',
        amount: input.amount,
        currency,
        ...(input.reference ? { reference: input.reference } : {}),
        createdAt: now.ms as number,
        expiresAt: (seconds + timeout) * 1000,
        requestQr: toQrText('PAYMENT_REQUEST', bytes),
        declines: 0,
      };
      this.open = { state, nonce, expiresAtSeconds: seconds + timeout, expiresAtMono: this.o.clock.monotonic() + timeout * 1000 };
      this.remember(state);
      this.expiryTimer = setTimeout(() => this.expireIfDue(), timeout * 1000 + 50);
      this.expiryTimer.unref();
      this.showHome();
      this.bus.emit('payment', { ...state });
      this.log.info({ id: state.id, amount: state.amount, currency }, 'payment request open');
      return { ...state };
    } finally {
      this.starting = false;
    }
  }

  /** Cancels the open request (optionally only if it has this id). */
  cancel(id?: string): PaymentState {
    this.expireIfDue();
    const open = this.open;
    if (!open || (id !== undefined && open.state.id !== id)) {
      const known = id !== undefined ? this.recent.get(id) : undefined;
      if (known) throw new TesseraError('PAYMENT_STATE', `payment ${id} is already ${known.status}`, { details: { status: known.status } });
      throw new TesseraError('PAYMENT_NOT_FOUND', id ? `no payment ${id}` : 'no open payment');
    }
    if (this.committing) throw new TesseraError('PAYMENT_STATE', 'a scanned payment is being recorded; wait for its result');
    return this.close(open, 'cancelled');
  }

  current(): PaymentState | undefined {
    this.expireIfDue();
    return this.open ? { ...this.open.state } : undefined;
  }

  getPayment(id: string): PaymentState | undefined {
    this.expireIfDue();
    const s = this.recent.get(id);
    return s ? { ...s } : undefined;
  }

  lastPayment(): PaymentState | undefined {
    const all = [...this.recent.values()];
    const s = all[all.length - 1];
    return s ? { ...s } : undefined;
  }

  private expireIfDue(): void {
    const open = this.open;
    if (!open || this.committing) return;
    if (this.o.clock.monotonic() >= open.expiresAtMono) this.close(open, 'expired');
  }

  private close(open: OpenRequest, status: 'cancelled' | 'expired'): PaymentState {
    open.state.status = status;
    this.open = undefined;
    clearTimeout(this.expiryTimer);
    this.log.info({ id: open.state.id, status }, 'payment request closed');
    this.showHome();
    this.bus.emit('payment', { ...open.state });
    return { ...open.state };
  }

  private remember(s: PaymentState): void {
    this.recent.set(s.id, s);
    if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value as string);
  }

  // ---------------------------------------------------------------- decisions

  private async decide(text: string, t0: number): Promise<Decision> {
    this.counters.scans++;
    this.expireIfDue();
    if (this.stopped) return this.unreadable('NOT_READY', 'terminal is stopping', t0);
    const kind = kindOfQrText(text);
    if (kind === 'FLEET_MESSAGE' || kind === 'TRUST_LIST') return this.applyUpdate(text, t0);
    const b = fromQrText('PAYMENT', text);
    if (!b.ok) return this.unreadable(b.reason, b.detail, t0);
    const d = decodeObject('PAYMENT', b.value);
    if (!d.ok) return this.unreadable(d.reason, d.detail, t0);
    const p = d.value.value;
    const txId = transactionId(d.value.sign1);
    const now = this.o.trustedClock.now();
    const nowMs = now.ms ?? now.hwmMs;
    const pc = decodeObject('PURSE_CERT', p.purseCert);
    const purseId = pc.ok ? pc.value.value.purseId : undefined;
    const facts: PaymentFacts = { txId, bytes: b.value, purseId, seq: p.seq, timeMs: nowMs };
    const ps = purseId ? this.o.store.purseState(purseId) : undefined;

    // A scanner re-reads the code still on the phone: recognise it, never charge it twice. An approved
    // code's sequence is at or below its purse's last approved one (the transaction id covers the purse
    // certificate and the sequence), so a fresh sequence needs no look-up: most scans skip it.
    // The transaction id does not cover the signature, so only the very bytes that were verified and
    // journaled count as a re-read; anything else (a zeroed or high-S signature) is verified again
    // below and declined with the verifier's reason (docs/protocol.md §8.3, re-presented payments).
    const fresh = purseId !== undefined && (ps === undefined || p.seq > ps.lastSeq);
    const prior = fresh ? undefined : this.o.store.findApproved(txId);
    if (prior && journaledBytesEqual(prior, b.value)) {
      // While a new request is open the old code is not its payment: verification says WRONG_REQUEST.
      if (this.mode === 'merchant' && !this.open) return this.reread(prior, t0);
      if (this.mode === 'transit' && nowMs - prior.timeMs <= this.o.config.transit.alreadyValidatedSeconds * 1000) return this.alreadyValidated(prior, t0);
    }

    if (now.seconds !== null) {
      const why = this.notReadyReason();
      if (why) return this.decline('NOT_READY', why, facts, t0);
    }
    const fares = this.o.fleet.config();
    if (this.mode === 'transit' && !fares) return this.decline('NO_FARE', 'no signed fare configuration installed', facts, t0);

    const open = this.open;
    const ctx: PaymentContext = {
      trust: this.o.fleet.trust,
      now: now.seconds,
      terminal: {
        id: this.o.identity.terminalId,
        mode: this.mode,
        operatorId: fares?.body.operatorId ?? '',
        ...(fares?.body.line !== undefined ? { line: fares.body.line } : {}),
      },
      ...(open ? { request: { nonce: open.nonce, amount: open.state.amount, currency: open.state.currency, expiresAt: open.expiresAtSeconds } } : {}),
      ...(fares ? { fares: fares.body } : {}),
      isDenied: (id) => this.o.store.isDenied(id),
    };
    if (ps) ctx.purse = ps;
    const v = verifyPayment(b.value, ctx, { decoded: d.value, txId });
    if (!v.ok) return this.decline(v.reason, v.detail, facts, t0);
    const vp = v.value;
    const trustedMs = now.ms as number; // verifyPayment refuses an untrusted clock
    const limit = checkLimits(this.o.store, this.o.config.limits, {
      purseId: vp.purse.purseId,
      charge: vp.charge,
      nowMs: trustedMs,
      trustIssuedAt: this.o.fleet.trustIssuedAt(),
      denylistIssuedAt: this.o.fleet.denylist()?.issuedAt,
      offlineSinceMs: this.o.offlineSinceMs(),
    });
    if (!limit.ok) return this.decline(limit.reason, limit.detail, facts, t0);

    // Commit first; only a recorded payment is approved.
    let row: JournalRow;
    this.committing = open !== undefined;
    try {
      row = await this.o.store.appendDecision({
        txId,
        payment: b.value,
        approved: true,
        reason: 0,
        amountCharged: vp.charge,
        currency: vp.payment.currency,
        purseId: vp.purse.purseId,
        seq: vp.payment.seq,
        cumulative: vp.payment.cumulative,
        timeMs: trustedMs,
        latencyUs: Math.round((this.hrtime() - t0) * 1000),
        ...(open?.state.reference ? { reference: open.state.reference } : {}),
      });
    } catch (e) {
      this.committing = false;
      if (isTesseraError(e, 'DB_WRITE_FAILED')) {
        if (e.details?.replay === true) return this.decline('SEQUENCE_REPLAY', 'the purse sequence was recorded meanwhile', facts, t0);
        this.counters.storageFailures++;
        return this.decline('STORAGE_FAILED', errorMessage(e), facts, t0, false);
      }
      throw e;
    }
    this.committing = false;
    return this.approved(row, vp.purse.cap - vp.payment.cumulative, open, t0);
  }

  private approved(row: JournalRow, remaining: number, open: OpenRequest | undefined, t0: number): Decision {
    this.counters.approved++;
    const currency = row.currency ?? '';
    let paymentId: string | undefined;
    if (this.mode === 'merchant' && open && this.open === open) {
      Object.assign(open.state, { status: 'approved', txId: toHex(row.txId), journalIndex: row.idx, approvedAt: row.timeMs, remaining });
      this.open = undefined;
      clearTimeout(this.expiryTimer);
      paymentId = open.state.id;
      this.show({ kind: 'approved', amount: row.amount, currency, remaining });
      this.startPrint(open.state, row, remaining);
      this.bus.emit('payment', { ...open.state });
    } else {
      this.show({ kind: 'transit-ok', fare: row.amount, currency, remaining });
    }
    const d = this.finish(
      { outcome: 'approved', txId: toHex(row.txId), journalIndex: row.idx, journaled: true, amount: row.amount, currency, remaining, ...(paymentId ? { paymentId } : {}) },
      t0,
    );
    this.log.info({ txId: d.txId, idx: row.idx, amount: row.amount, latencyMs: d.latencyMs }, 'approved');
    return d;
  }

  private reread(prior: JournalRow, t0: number): Decision {
    this.counters.rereads++;
    this.show({ kind: 'approved', amount: prior.amount, currency: prior.currency ?? '', message: message(this.o.config.locale.language, 'alreadyPaid') });
    return this.finish({ outcome: 'reread', txId: toHex(prior.txId), journalIndex: prior.idx, journaled: false, amount: prior.amount, currency: prior.currency ?? '' }, t0);
  }

  private alreadyValidated(prior: JournalRow, t0: number): Decision {
    this.counters.alreadyValidated++;
    this.show({ kind: 'already-validated' });
    return this.finish({ outcome: 'already-validated', txId: toHex(prior.txId), journalIndex: prior.idx, journaled: false, amount: 0 }, t0);
  }

  /** A code that is not a readable payment: shown and counted, not journaled (there is nothing to bind a record to). */
  private unreadable(reason: ReasonCode, detail: string, t0: number): Decision {
    this.counters.unreadable++;
    this.counters.declined++;
    this.showDecline(reason);
    this.noteDecline(reason, detail, undefined);
    this.log.info({ reason, detail }, 'unreadable code');
    return this.finish({ outcome: 'declined', reason, detail, journaled: false }, t0);
  }

  private async decline(reason: ReasonCode, detail: string, f: PaymentFacts, t0: number, journal = true): Promise<Decision> {
    this.counters.declined++;
    let idx: number | undefined;
    if (journal) {
      try {
        const row = await this.o.store.appendDecision({
          txId: f.txId,
          payment: f.bytes,
          approved: false,
          reason: REASONS[reason].n,
          amountCharged: 0,
          timeMs: f.timeMs,
          ...(f.purseId ? { purseId: f.purseId } : {}),
          ...(f.seq !== undefined ? { seq: f.seq } : {}),
          latencyUs: Math.round((this.hrtime() - t0) * 1000),
        });
        idx = row.idx;
      } catch (e) {
        // The decline stands even if it cannot be recorded; nothing was charged.
        this.counters.storageFailures++;
        this.log.error({ err: e, reason }, 'could not journal a decline');
      }
    }
    this.showDecline(reason);
    const txId = toHex(f.txId);
    this.noteDecline(reason, detail, txId);
    this.log.info({ txId, reason, detail, idx }, 'declined');
    return this.finish({ outcome: 'declined', reason, detail, txId, journaled: idx !== undefined, ...(idx !== undefined ? { journalIndex: idx } : {}) }, t0);
  }

  private noteDecline(reason: ReasonCode, detail: string, txId: string | undefined): void {
    const open = this.open;
    if (!open) return;
    open.state.declines++;
    open.state.lastDecline = { reason, detail, at: this.o.clock.now(), ...(txId ? { txId } : {}) };
    this.bus.emit('payment', { ...open.state });
  }

  private applyUpdate(text: string, t0: number): Decision {
    const now = this.o.trustedClock.now();
    const r = this.o.fleet.apply(text, now.seconds, now.ms ?? now.hwmMs);
    if (!r.ok) {
      this.counters.declined++;
      this.showDecline(r.reason);
      return this.finish({ outcome: 'declined', reason: r.reason, detail: r.detail, journaled: false }, t0);
    }
    this.log.info(r, 'scanned fleet update applied');
    this.show({ kind: 'idle', title: message(this.o.config.locale.language, 'updateApplied'), subtitle: `${r.kind} v${r.version}` });
    return this.finish({ outcome: 'fleet-applied', detail: `${r.kind} v${r.version}`, journaled: false }, t0);
  }

  private finish(d: Omit<Decision, 'latencyMs' | 'at'>, t0: number): Decision {
    const latencyMs = this.hrtime() - t0;
    this.latencyStats.add(latencyMs);
    const full: Decision = { ...d, latencyMs, at: this.o.clock.now() };
    this.bus.emit('decision', full);
    this.scheduleHome();
    return full;
  }

  // ---------------------------------------------------------------- display

  private show(screen: Screen): void {
    clearTimeout(this.homeTimer);
    try {
      this.o.display.show({ ...screen, lang: this.o.config.locale.language });
    } catch (e) {
      this.log.warn({ err: e, screen: screen.kind }, 'display failed');
    }
  }

  private showDecline(reason: ReasonCode): void {
    const text = REASONS[reason].short;
    this.show(this.mode === 'transit' ? { kind: 'transit-denied', reason: text, code: reason } : { kind: 'declined', reason: text, code: reason });
  }

  private scheduleHome(): void {
    const s = this.mode === 'transit' ? this.o.config.transit.resultDisplaySeconds : this.o.config.merchant.resultDisplaySeconds;
    clearTimeout(this.homeTimer);
    if (s <= 0) return this.showHome();
    this.homeTimer = setTimeout(() => this.showHome(), s * 1000);
    this.homeTimer.unref();
  }

  /** The resting screen: the open request's QR, ready, or why the terminal is out of order. */
  showHome(): void {
    const why = this.stopped ? undefined : this.outOfServiceReason();
    if (why) {
      this.show({ kind: 'out-of-order', why });
      this.bus.emit('ready', { ready: false, why });
      return;
    }
    const open = this.open;
    if (open) this.show({ kind: 'request', amount: open.state.amount, currency: open.state.currency, merchantName: this.o.identity.displayName, qrText: open.state.requestQr });
    else if (this.mode === 'transit') this.show({ kind: 'idle', title: message(this.o.config.locale.language, 'presentCode'), subtitle: this.o.identity.displayName });
    else this.show({ kind: 'idle', title: this.o.identity.displayName, subtitle: message(this.o.config.locale.language, 'ready') });
    this.bus.emit('ready', { ready: true });
  }

  // ---------------------------------------------------------------- receipts

  private async buildReceipt(row: JournalRow, remaining: number | undefined, copy: boolean): Promise<PrintedReceipt> {
    const id = this.o.identity;
    const bytes = await signObject(
      'RECEIPT',
      {
        txId: row.txId,
        amount: row.amount,
        currency: row.currency ?? '',
        terminalId: id.terminalId,
        merchantId: id.merchantId,
        purseId: row.purseId as Uint8Array,
        seq: row.seq as number,
        time: Math.floor(row.timeMs / 1000),
        journalIndex: row.idx,
      },
      id.signer,
    );
    const m = this.o.config.merchant;
    return {
      ...(m.receiptHeader.length ? { header: m.receiptHeader } : {}),
      merchantName: id.displayName,
      merchantLines: [`${id.merchantId} · ${id.terminalId}`],
      at: row.timeMs,
      timeZone: this.o.config.locale.timeZone,
      language: this.o.config.locale.language,
      amount: row.amount,
      currency: row.currency ?? '',
      transactionId: toHex(row.txId).slice(0, 16),
      ...(row.reference ? { reference: row.reference } : {}),
      ...(remaining !== undefined ? { remaining } : {}),
      qrText: toQrText('RECEIPT', bytes),
      footer: [...(copy ? [message(this.o.config.locale.language, 'copy')] : []), ...(m.receiptFooter ?? [message(this.o.config.locale.language, 'thankYou')])],
    };
  }

  private async print(receipt: PrintedReceipt): Promise<ReceiptState> {
    const printer = this.o.printer;
    if (!printer) return { status: 'no-printer', qrText: receipt.qrText };
    try {
      const out = await printer.print(receipt);
      if (out && !out.ok) return { status: 'failed', code: String(out.code), message: out.message, qrText: receipt.qrText };
      return { status: 'printed', qrText: receipt.qrText };
    } catch (e) {
      this.log.warn({ err: e }, 'receipt not printed');
      return { status: 'failed', code: isTesseraError(e) ? e.code : 'PRINTER_ERROR', message: errorMessage(e), qrText: receipt.qrText };
    }
  }

  /** After the approval is committed and shown: the receipt never delays the next customer. */
  private startPrint(state: PaymentState, row: JournalRow, remaining: number): void {
    const enabled = this.o.config.merchant.printReceipts;
    state.receipt = { status: enabled ? 'printing' : 'disabled' };
    const job = (async () => {
      const receipt = await this.buildReceipt(row, remaining, false);
      state.receipt = enabled ? await this.print(receipt) : { status: 'disabled', qrText: receipt.qrText };
      this.bus.emit('payment', { ...state });
    })().catch((e: unknown) => {
      state.receipt = { status: 'failed', code: 'INTERNAL', message: errorMessage(e) };
      this.log.error({ err: e }, 'receipt failed');
    });
    this.prints.add(job);
    void job.finally(() => this.prints.delete(job));
  }

  /** Prints a copy of an approved payment's receipt (default: the latest approval). */
  async reprint(txIdHex?: string): Promise<{ txId: string; journalIndex: number; receipt: ReceiptState }> {
    let row: JournalRow | undefined;
    if (txIdHex) {
      if (!/^[0-9a-f]{64}$/i.test(txIdHex)) throw new TesseraError('API_BAD_REQUEST', 'transaction id must be 64 hex characters');
      row = this.o.store.findApproved(fromHex(txIdHex.toLowerCase()));
    } else row = this.o.store.listRows({ approvedOnly: true, descending: true, limit: 1 })[0];
    if (!row) throw new TesseraError('PAYMENT_NOT_FOUND', txIdHex ? `no approved transaction ${txIdHex}` : 'no approved transaction yet');
    if (!this.o.printer) throw new TesseraError('PRINTER_UNAVAILABLE', 'no printer is configured');
    const receipt = await this.print(await this.buildReceipt(row, undefined, true));
    return { txId: toHex(row.txId), journalIndex: row.idx, receipt };
  }
}
