// Payment outcomes for cash registers: requests persisted with their Idempotency-Key, outcomes answered from the journal after a restart.
import { createHash } from 'node:crypto';
import { TesseraError, silentLogger, type Logger } from '#common';
import { toHex } from '#protocol';
import { paymentOf, type JournalRow, type Store } from '../store/index.js';
import type { EventBus } from '#common';
import type { CheckoutEvents, PaymentState } from '../checkout/types.js';

/** How many journal rows after a request's opening are searched for its approval (one request is open at a time, so it is among the first few). */
const SEARCH_ROWS = 5_000;
/** A scan read just before expiry is decided a little after it: the search goes that far past the expiry. */
const LATE_MS = 60_000;
/** Requests older than this are forgotten at start (the journal keeps the payments themselves). */
const KEEP_MS = 30 * 86_400_000;

export interface RequestBody {
  amount?: unknown;
  currency?: unknown;
  reference?: unknown;
}

interface RequestRow {
  id: string;
  idem_key: string | null;
  body_hash: string | null;
  head_idx: number;
  created_ms: number;
  state: string;
}

/** The request nonce (payment id) a journaled payment answers, when it answers one. */
export function requestIdOf(row: JournalRow): string | undefined {
  const nonce = paymentOf(row)?.requestNonce;
  return nonce ? toHex(nonce) : undefined;
}

/** What one Idempotency-Key is bound to: the request's fields as the register sent them. */
export function bodyHash(b: RequestBody): string {
  return createHash('sha256')
    .update(JSON.stringify([b.amount, b.currency ?? null, b.reference ?? null]))
    .digest('hex');
}

export class PaymentOutcomes {
  private readonly log: Logger;
  private off: (() => void) | undefined;
  /** The key of the request being started: the checkout's first event of it carries no key. */
  private starting: { key: string; hash: string } | undefined;
  private readonly inflight = new Map<string, { hash: string; done: Promise<PaymentState> }>();
  private readonly dirty = new Map<string, PaymentState>();
  /** Requests on record that this process opened. */
  private readonly known = new Set<string>();
  private flushTimer: NodeJS.Immediate | undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus<CheckoutEvents>,
    log?: Logger,
  ) {
    this.log = log ?? silentLogger();
  }

  start(nowMs: number): void {
    try {
      this.store.handle.prepare('DELETE FROM payment_requests WHERE created_ms < ?').run(nowMs - KEEP_MS);
    } catch (e) {
      // A full disk must not keep the daemon (and the register API) from starting; pruning waits for the next start.
      this.log.warn({ err: e }, 'old payment requests not pruned');
    }
    this.off = this.bus.on('payment', (p) => this.onPayment(p));
  }

  stop(): void {
    this.off?.();
    this.flush();
  }

  /**
   * A new request is on record before the register gets its id (the insert is synchronous, in the
   * checkout's event); later changes (declines, approval, receipt) are written after the decision,
   * off its path: the approval itself is in the journal already, which is what lookup() trusts.
   */
  private onPayment(p: PaymentState): void {
    if (this.known.has(p.id)) {
      this.dirty.set(p.id, p);
      this.flushTimer ??= setImmediate(() => this.flush());
      return;
    }
    const k = this.starting;
    this.store.handle
      .prepare('INSERT INTO payment_requests (id, idem_key, body_hash, head_idx, created_ms, state) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING')
      .run(p.id, k?.key ?? null, k?.hash ?? null, this.store.journalHead, p.createdAt, JSON.stringify(p));
    this.known.add(p.id);
    if (this.known.size > 1_000) this.known.delete(this.known.values().next().value as string); // long closed; a late event re-inserts nothing (ON CONFLICT)
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.dirty.size === 0) return;
    const upd = this.store.handle.prepare('UPDATE payment_requests SET state = ? WHERE id = ?');
    try {
      for (const [id, p] of this.dirty) upd.run(JSON.stringify(p), id);
    } catch (e) {
      this.log.warn({ err: e }, 'payment request state not saved; the journal still has every approval');
    }
    this.dirty.clear();
  }

  /**
   * Starts a request under an Idempotency-Key: the same key with the same body gives the same
   * payment (also after a restart, also while the first call is still running); the same key with
   * another body is refused. `replayed` says whether this call started nothing.
   */
  async withKey(key: string, body: RequestBody, start: () => Promise<PaymentState>, current: (id: string) => PaymentState | undefined): Promise<{ payment: PaymentState; replayed: boolean }> {
    const hash = bodyHash(body);
    const mismatch = (): TesseraError =>
      new TesseraError('API_IDEMPOTENCY_MISMATCH', `Idempotency-Key ${JSON.stringify(key)} was used for a different payment request (amount, currency or reference differ); use a new key for a new payment`, {
        details: { httpStatus: 422 },
      });
    const running = this.inflight.get(key);
    if (running) {
      if (running.hash !== hash) throw mismatch();
      return { payment: await running.done, replayed: true };
    }
    const row = this.store.handle.prepare('SELECT * FROM payment_requests WHERE idem_key = ?').get(key) as RequestRow | undefined;
    if (row) {
      if (row.body_hash !== hash) throw mismatch();
      return { payment: current(row.id) ?? this.fromRow(row), replayed: true };
    }
    if (this.starting) throw new TesseraError('PAYMENT_BUSY', 'another payment request is being started');
    this.starting = { key, hash };
    const done = start();
    this.inflight.set(key, { hash, done });
    try {
      return { payment: await done, replayed: false };
    } finally {
      this.starting = undefined;
      this.inflight.delete(key);
    }
  }

  /** A request the checkout no longer holds (an older one, or from before a restart), its outcome from the journal. */
  lookup(id: string): PaymentState | undefined {
    const row = this.store.handle.prepare('SELECT * FROM payment_requests WHERE id = ?').get(id) as RequestRow | undefined;
    return row ? this.fromRow(row) : undefined;
  }

  private fromRow(r: RequestRow): PaymentState {
    const saved = this.dirty.get(r.id) ?? (JSON.parse(r.state) as PaymentState);
    if (saved.status === 'approved' || saved.status === 'cancelled' || saved.status === 'expired') return saved;
    // Saved as pending: approved in the journal (a crash before the state was saved), or never.
    const approval = this.findApproval(r, saved.expiresAt);
    // Not open any more (lookup runs only for requests the checkout does not hold): approved, or the daemon stopped while it was open.
    const resolved: PaymentState = approval
      ? { ...saved, status: 'approved', txId: toHex(approval.txId), journalIndex: approval.idx, approvedAt: approval.timeMs }
      : { ...saved, status: 'interrupted' };
    try {
      this.store.handle.prepare('UPDATE payment_requests SET state = ? WHERE id = ?').run(JSON.stringify(resolved), r.id);
    } catch (e) {
      this.log.warn({ err: e }, 'resolved payment request not saved; it is looked up again next time');
    }
    return resolved;
  }

  /** Its approval is among the approved rows after the request opened, decided before it expired: only those are decoded. */
  private findApproval(r: RequestRow, expiresAt: number): JournalRow | undefined {
    for (const row of this.store.listRows({ afterIdx: r.head_idx, limit: SEARCH_ROWS, approvedOnly: true })) {
      if (row.timeMs > expiresAt + LATE_MS) continue; // not `break`: a clock corrected within clock.slackSeconds may step back
      if (requestIdOf(row) === r.id) return row;
    }
    return undefined;
  }
}
