// The terminal's one writer to SQLite: signed hash-chained journal, replay guard, fleet state, time and outbox.
import type { Logger } from '#common';
import { TesseraError, silentLogger } from '#common';
import { ADJUSTMENT, BytesMap, DECISION, recordHash, signObject, toHex, type AdjustmentKind, type JournalRecord, type Signer } from '#protocol';
import type Database from 'better-sqlite3';
import { openDatabase, type Db, type DbFactory } from './open.js';
import { UnsyncedTotals } from './unsynced.js';
import { WalCheckpointer, type CheckpointOptions } from './checkpoint.js';
import { HeadAnchor } from './head-anchor.js';
import { HEAD_CHECKPOINT_KEY } from './head-checkpoint.js';
import { ACK_KEY } from './ack-anchor.js';

export const ZERO_HASH = new Uint8Array(32);

export interface DecisionInput {
  txId: Uint8Array;
  /** The exact payment bytes as scanned (COSE), bounded by the protocol. */
  payment: Uint8Array;
  approved: boolean;
  /** Reason number (REASONS[code].n); 0 when approved. */
  reason: number;
  amountCharged: number;
  currency?: string;
  purseId?: Uint8Array;
  seq?: number;
  cumulative?: number;
  timeMs: number;
  latencyUs?: number;
  reference?: string;
}

/** A void or refund of an earlier approved payment, journalled as its own signed record. */
export interface AdjustmentInput {
  kind: AdjustmentKind;
  /** The adjusted payment's transaction id. */
  original: Uint8Array;
  /** The adjustment's own id (random). */
  txId: Uint8Array;
  /** What it gives back, in `currency` (the payment's). */
  amount: number;
  currency: string;
  timeMs: number;
  reference?: string | undefined;
  note?: string | undefined;
}

/** What was given back of one payment so far, by its voids and refunds. */
export interface AdjustedSoFar {
  voided: boolean;
  /** Sum of every void and refund of it. */
  amount: number;
  count: number;
}

export interface JournalRow {
  idx: number;
  txId: Uint8Array;
  record: Uint8Array;
  hash: Uint8Array;
  decision: number;
  reason: number;
  amount: number;
  currency: string | null;
  purseId: Uint8Array | null;
  seq: number | null;
  timeMs: number;
  latencyUs: number | null;
  reference: string | null;
  /** An ADJUSTMENT number on a void or refund row, else null. */
  adjustment: number | null;
  /** The payment a void or refund adjusts. */
  original: Uint8Array | null;
}

/** What this terminal last approved from a purse: what the next payment's sequence and cumulative are checked against. */
export interface PurseState {
  lastSeq: number;
  lastCumulative: number;
}

/** A purse's approvals at this terminal (for operators; not read on the decision path). */
export interface PurseTotals {
  totalCharged: number;
  payments: number;
}

export type FleetKind = 'trust' | 'denylist' | 'config';

export interface FleetRow {
  version: number;
  bytes: Uint8Array;
  issuedAt: number;
  appliedAtMs: number;
}

interface RawJournalRow {
  idx: number;
  tx_id: Buffer;
  record: Buffer;
  hash: Buffer;
  decision: number;
  reason: number;
  amount: number;
  currency: string | null;
  purse_id: Buffer | null;
  seq: number | null;
  time_ms: number;
  latency_us: number | null;
  reference: string | null;
  /** The payment's cumulative amount, on approved rows only (it feeds the purse state). */
  cumulative: number | null;
  adjustment: number | null;
  original: Buffer | null;
}

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function toRow(r: RawJournalRow): JournalRow {
  return {
    idx: r.idx,
    txId: u8(r.tx_id),
    record: u8(r.record),
    hash: u8(r.hash),
    decision: r.decision,
    reason: r.reason,
    amount: r.amount,
    currency: r.currency,
    purseId: r.purse_id ? u8(r.purse_id) : null,
    seq: r.seq,
    timeMs: r.time_ms,
    latencyUs: r.latency_us,
    reference: r.reference,
    adjustment: r.adjustment ?? null,
    original: r.original ? u8(r.original) : null,
  };
}

/** The signed fields of a record, before the store adds its place in the chain. */
type RecordFields = Omit<JournalRecord, 'terminalId' | 'index' | 'prevHash'>;

/** Which journal rows a listing wants: approved payments only (no declines, voids or refunds), one register reference, a half-open time range (ms). */
export interface RowFilter {
  approvedOnly?: boolean;
  reference?: string;
  fromMs?: number;
  toMs?: number;
}

function rowFilter(f: RowFilter): { sql: string; args: (string | number)[] } {
  const parts: [string, string | number | undefined][] = [
    ['reference = ?', f.reference],
    ['time_ms >= ?', f.fromMs],
    ['time_ms < ?', f.toMs],
  ];
  const used = parts.filter(([, v]) => v !== undefined);
  return {
    sql: (f.approvedOnly ? ' AND decision = 0 AND adjustment IS NULL' : '') + used.map(([c]) => ` AND ${c}`).join(''),
    args: used.map(([, v]) => v as string | number),
  };
}

function isStorageFailure(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_');
}

/** A write that failed because of the disk or the file (full, I/O, read-only), not because of what was written (a constraint). */
function isDiskFailure(e: unknown): boolean {
  return isStorageFailure(e) && !String((e as { code?: string }).code).startsWith('SQLITE_CONSTRAINT');
}

export interface StoreOptions {
  path: string;
  terminalId: string;
  signer: Signer;
  log?: Logger;
  factory?: DbFactory;
  /** False: refuse a missing file (the daemon: only provisioning creates a terminal's journal). Default true. */
  create?: boolean;
  /** When WAL checkpoints run (off the decision path); tests inject the timers. */
  checkpoint?: CheckpointOptions;
}

type Statement = Database.Statement<unknown[]>;

const PURSE_CACHE_LIMIT = 4096;

export class Store {
  private db: Db | undefined;
  /**
   * The journal head. `timeMs` is its decision time: decisions are stamped with trusted time, which
   * never goes below the high-water mark, so the head's time is the latest in the journal and is
   * part of the mark (no extra row to write per decision).
   */
  private head: { idx: number; hash: Uint8Array; timeMs: number } = { idx: 0, hash: ZERO_HASH, timeMs: 0 };
  /** Prepared once per SQL text: a decision runs a handful of statements, and preparing costs as much as running. */
  private statements = new Map<string, Statement>();
  /** The kv table, read once at start: this store is its only writer (reloaded after a failed transaction). */
  private kv = new Map<string, string>();
  /** Approved, unacknowledged totals kept in step with appends and acks, so limit checks are O(1). */
  private unsynced = new UnsyncedTotals();
  private fleetCache = new Map<FleetKind, FleetRow | null>();
  /**
   * purseState by purse (null: no approval yet), read on every decision. This store is the only
   * writer, so appends keep it exact; riders come back, so most look-ups hit.
   */
  private purseCache = new BytesMap<PurseState | null>(PURSE_CACHE_LIMIT);
  private denyCount: number | undefined;
  private appendTx: ((row: RawJournalRow) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;
  private readonly checkpointer: WalCheckpointer;
  private readonly anchor: HeadAnchor;
  /** Why the last write failed on the disk (full, I/O); cleared by the next write that commits. */
  private diskFault: string | undefined;

  constructor(private readonly opts: StoreOptions) {
    this.log = opts.log ?? silentLogger();
    this.checkpointer = new WalCheckpointer(() => this.db, this.log, opts.checkpoint);
    this.anchor = new HeadAnchor(opts.terminalId, opts.signer, this.log);
  }

  start(): void {
    this.db = openDatabase(this.opts.path, { ...(this.opts.factory ? { factory: this.opts.factory } : {}), ...(this.opts.create === false ? { create: false } : {}) });
    // Checkpoints are this store's job (checkpoint.ts), not the commit's that crosses 1000 pages.
    this.db.pragma('wal_autocheckpoint = 0');
    this.statements = new Map();
    this.appendTx = undefined;
    this.fleetCache = new Map();
    this.purseCache = new BytesMap(PURSE_CACHE_LIMIT);
    this.denyCount = undefined;
    const last = this.db.prepare('SELECT idx, hash, time_ms FROM journal ORDER BY idx DESC LIMIT 1').get() as { idx: number; hash: Buffer; time_ms: number } | undefined;
    this.head = last ? { idx: last.idx, hash: u8(last.hash), timeMs: last.time_ms } : { idx: 0, hash: ZERO_HASH, timeMs: 0 };
    this.loadKv();
    // One scan of the backlog at start; from here on appends and acks keep the totals in step.
    this.unsynced = new UnsyncedTotals();
    this.unsynced.addRows(this.approvedBetween(this.ackedUpTo(), this.head.idx));
    const due = this.anchor.open(this.kv.get(HEAD_CHECKPOINT_KEY), { idx: this.head.idx, hashAt: (i) => this.getRow(i)?.hash, ackedUpTo: this.ackedUpTo() });
    if (due) this.anchor.schedule(() => this.checkpointHead(), 0);
    this.log.info({ path: this.opts.path, journalHead: this.head.idx }, 'store opened');
  }

  /** Runs `fn` after every append, ack and checkpoint already queued: one writer, one chain, one cursor. */
  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Signs and stores a head checkpoint for the current head and cursor (after appends, at stop). */
  checkpointHead(): Promise<void> {
    return this.serial(async () => {
      if (!this.db || this.anchor.current(this.head.idx)) return;
      await this.writeCursorAndCheckpoint(this.ackedUpTo());
    });
  }

  /** Inside the queue: signs {head, acked} first, then writes the cursor, the ack that moved it and the checkpoint in one transaction. */
  private async writeCursorAndCheckpoint(acked: number, nowMs?: number, ackBytes?: Uint8Array): Promise<void> {
    const head = this.head;
    const cp = await this.anchor.sign(head.idx, head.hash, acked);
    this.commitKv(
      this.handle.transaction(() => {
        if (nowMs !== undefined) {
          this.setKv('acked_upto', String(acked));
          this.setKv('last_sync_ms', String(nowMs));
          if (ackBytes) this.setKv(ACK_KEY, toHex(ackBytes));
        }
        if (cp !== undefined) this.setKv(HEAD_CHECKPOINT_KEY, cp);
      }),
    );
    if (cp !== undefined) this.anchor.written(head.idx);
  }

  /**
   * Runs a transaction that writes kv rows: a commit is noted (storage healthy again, one more for
   * the checkpointer); a failure is noted and the kv cache re-read, since the rollback undid what
   * setKv cached.
   */
  private commitKv<T>(tx: () => T): T {
    try {
      const r = tx();
      this.noteWrite();
      this.checkpointer.committed();
      return r;
    } catch (e) {
      this.loadKv();
      this.noteWrite(e);
      throw e;
    }
  }

  stop(): void {
    this.anchor.cancel();
    this.checkpointer.stop();
    this.statements.clear();
    this.appendTx = undefined;
    this.db?.close();
    this.db = undefined;
  }

  /** The prepared statement for `sql`, prepared on first use. */
  private st(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.handle.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private loadKv(): void {
    this.kv = new Map((this.st('SELECT key, value FROM kv').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  }

  /** Per-purse approved totals of journal rows in (afterIdx, upToIdx]. */
  private approvedBetween(afterIdx: number, upToIdx: number): { purse_id: Buffer | null; n: number; a: number }[] {
    if (upToIdx <= afterIdx) return [];
    // Voids and refunds give money back: they add nothing to what the terminal risks offline.
    return this.st('SELECT purse_id, count(*) AS n, coalesce(sum(amount), 0) AS a FROM journal WHERE idx > ? AND idx <= ? AND decision = 0 AND adjustment IS NULL GROUP BY purse_id').all(
      afterIdx,
      upToIdx,
    ) as { purse_id: Buffer | null; n: number; a: number }[];
  }

  get handle(): Db {
    if (!this.db) throw new TesseraError('INTERNAL', 'store not started');
    return this.db;
  }

  get journalHead(): number {
    return this.head.idx;
  }

  /**
   * Signs the next journal record and commits it in one fsync'd transaction; the row is also the
   * replay guard and the purse state for an approval. Appends are serialised (one writer, one chain). Throws
   * TesseraError DB_WRITE_FAILED when the commit fails (disk full, I/O): the caller must decline.
   */
  appendDecision(d: DecisionInput): Promise<JournalRow> {
    return this.serial(() => this.doAppend(d));
  }

  private async doAppend(d: DecisionInput): Promise<JournalRow> {
    const fields: RecordFields = {
      txId: d.txId,
      payment: d.payment,
      decision: d.approved ? DECISION.approved : DECISION.declined,
      reason: d.approved ? 0 : d.reason,
      amountCharged: d.approved ? d.amountCharged : 0,
      time: Math.floor(d.timeMs / 1000),
      ...(d.reference !== undefined ? { reference: d.reference } : {}),
    };
    const row = await this.commitRecord(fields, {
      tx_id: Buffer.from(d.txId),
      decision: fields.decision,
      reason: fields.reason,
      amount: fields.amountCharged,
      currency: d.currency ?? null,
      purse_id: d.purseId ? Buffer.from(d.purseId) : null,
      seq: d.seq ?? null,
      time_ms: d.timeMs,
      latency_us: d.latencyUs ?? null,
      reference: d.reference ?? null,
      cumulative: d.approved ? (d.cumulative ?? null) : null,
      adjustment: null,
      original: null,
    });
    // Every approved row counts toward the terminal totals; rows without a purse only there.
    if (d.approved) this.unsynced.add(row.purse_id, row.amount);
    if (d.approved && d.purseId && d.seq !== undefined) this.notePurse(d.purseId, d.seq, row.cumulative);
    return toRow(row);
  }

  /**
   * Journals a void or refund: `build` runs in the append queue, after every earlier append, so the
   * checks it makes against the journal (what was given back so far) hold when the record is
   * written; whatever it throws is thrown here and nothing is written.
   */
  appendAdjustment(build: () => AdjustmentInput): Promise<JournalRow> {
    return this.serial(async () => {
      const a = build();
      const fields: RecordFields = {
        txId: a.txId,
        decision: DECISION.approved,
        reason: 0,
        amountCharged: a.amount,
        time: Math.floor(a.timeMs / 1000),
        ...(a.reference !== undefined ? { reference: a.reference } : {}),
        adjustment: ADJUSTMENT[a.kind],
        original: a.original,
        currency: a.currency,
        ...(a.note !== undefined ? { note: a.note } : {}),
      };
      const row = await this.commitRecord(fields, {
        tx_id: Buffer.from(a.txId),
        decision: DECISION.approved,
        reason: 0,
        amount: a.amount,
        currency: a.currency,
        purse_id: null,
        seq: null,
        time_ms: a.timeMs,
        latency_us: null,
        reference: a.reference ?? null,
        cumulative: null,
        adjustment: ADJUSTMENT[a.kind],
        original: Buffer.from(a.original),
      });
      return toRow(row);
    });
  }

  /** What the voids and refunds journalled here gave back of a payment so far. */
  adjustedOf(original: Uint8Array): AdjustedSoFar {
    const r = this.st('SELECT count(*) AS n, coalesce(sum(amount), 0) AS a, coalesce(max(adjustment = ?), 0) AS v FROM journal WHERE original = ?').get(ADJUSTMENT.void, Buffer.from(original)) as {
      n: number;
      a: number;
      v: number;
    };
    return { voided: r.v === 1, amount: r.a, count: r.n };
  }

  /** Signs the next record over `fields` and commits its row in one fsync'd transaction (inside the queue). */
  private async commitRecord(fields: RecordFields, cols: Omit<RawJournalRow, 'idx' | 'record' | 'hash'>): Promise<RawJournalRow> {
    const db = this.handle;
    this.checkpointer.due();
    const idx = this.head.idx + 1;
    const record = await signObject('JOURNAL_RECORD', { terminalId: this.opts.terminalId, index: idx, prevHash: this.head.hash, ...fields }, this.opts.signer);
    const hash = recordHash(record);
    const row: RawJournalRow = { idx, record: Buffer.from(record), hash: Buffer.from(hash), ...cols };
    try {
      this.appendTx ??= db.transaction((r: RawJournalRow) => this.writeDecision(r));
      this.appendTx(row);
    } catch (e) {
      this.loadKv();
      this.noteWrite(e);
      if (isStorageFailure(e)) {
        const replay = String((e as { code?: string }).code).startsWith('SQLITE_CONSTRAINT');
        this.log.error({ err: e, idx, replay }, 'journal commit failed');
        throw new TesseraError('DB_WRITE_FAILED', `could not record the decision: ${(e as Error).message}`, { cause: e, details: { replay } });
      }
      throw e;
    }
    this.head = { idx, hash, timeMs: Math.max(this.head.timeMs, row.time_ms) };
    this.noteWrite();
    this.checkpointer.committed();
    this.anchor.schedule(() => this.checkpointHead());
    return row;
  }

  /**
   * The one row of a decision; runs inside the append transaction. For an approval the unique index
   * journal_guard (purse, seq) is the replay guard: a second approval of a purse sequence fails the
   * insert with SQLITE_CONSTRAINT_UNIQUE and nothing of it is written.
   */
  private writeDecision(row: RawJournalRow): void {
    // Positional parameters: binding by name costs ~6 µs more per decision.
    this.st(
      `INSERT INTO journal (idx, tx_id, record, hash, decision, reason, amount, currency, purse_id, seq, time_ms, latency_us, reference, cumulative, adjustment, original)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.idx,
      row.tx_id,
      row.record,
      row.hash,
      row.decision,
      row.reason,
      row.amount,
      row.currency,
      row.purse_id,
      row.seq,
      row.time_ms,
      row.latency_us,
      row.reference,
      row.cumulative,
      row.adjustment,
      row.original,
    );
  }

  findByTxId(txId: Uint8Array): JournalRow | undefined {
    const r = this.st('SELECT * FROM journal WHERE tx_id = ? ORDER BY idx DESC LIMIT 1').get(Buffer.from(txId)) as RawJournalRow | undefined;
    return r ? toRow(r) : undefined;
  }

  /** The approved payment's journal row for a transaction id, if any (re-reads of an approved code). */
  findApproved(txId: Uint8Array): JournalRow | undefined {
    const r = this.st('SELECT * FROM journal WHERE tx_id = ? AND decision = 0 AND adjustment IS NULL LIMIT 1').get(Buffer.from(txId)) as RawJournalRow | undefined;
    return r ? toRow(r) : undefined;
  }

  getRow(idx: number): JournalRow | undefined {
    const r = this.st('SELECT * FROM journal WHERE idx = ?').get(idx) as RawJournalRow | undefined;
    return r ? toRow(r) : undefined;
  }

  /** Journal rows in order, filtered (`approvedOnly`: approved payments, no voids or refunds). */
  listRows(opts: RowFilter & { afterIdx?: number; limit?: number; descending?: boolean } = {}): JournalRow[] {
    const { sql, args } = rowFilter(opts);
    const order = opts.descending ? 'DESC' : 'ASC';
    return (this.st(`SELECT * FROM journal WHERE idx > ?${sql} ORDER BY idx ${order} LIMIT ?`).all(opts.afterIdx ?? 0, ...args, opts.limit ?? 100) as RawJournalRow[]).map(toRow);
  }

  /** Every row (or those `filter` selects, through the time and reference indexes), oldest first, without loading them all. */
  *iterateRows(filter: RowFilter = {}): Generator<JournalRow> {
    const { sql, args } = rowFilter(filter);
    for (const r of this.st(`SELECT * FROM journal WHERE 1=1${sql} ORDER BY idx`).iterate(...args) as Iterable<RawJournalRow>) yield toRow(r);
  }

  /** The purse's highest approved sequence: from memory, else one seek at the end of its range in journal_guard. */
  purseState(purseId: Uint8Array): PurseState | undefined {
    const cached = this.purseCache.get(purseId);
    if (cached !== undefined) return cached ?? undefined;
    const r = this.st('SELECT seq, cumulative FROM journal WHERE purse_id = ? AND decision = 0 ORDER BY seq DESC LIMIT 1').get(Buffer.from(purseId)) as
      | { seq: number; cumulative: number }
      | undefined;
    const state = r ? { lastSeq: r.seq, lastCumulative: r.cumulative } : null;
    this.purseCache.set(purseId, state);
    return state ?? undefined;
  }

  /** An approval just committed: the cached state moves only to a higher sequence, as the query's would. */
  private notePurse(purseId: Uint8Array, seq: number, cumulative: number | null): void {
    const cached = this.purseCache.get(purseId);
    if (cached === undefined) return; // not cached: the next read queries
    if (cached === null || seq > cached.lastSeq) this.purseCache.set(purseId, { lastSeq: seq, lastCumulative: cumulative as number });
  }

  /** What the purse was charged here over all its approvals (walks its approvals: not for the decision path). */
  purseTotals(purseId: Uint8Array): PurseTotals {
    const r = this.st('SELECT count(*) AS n, coalesce(sum(amount), 0) AS a FROM journal WHERE purse_id = ? AND decision = 0').get(Buffer.from(purseId)) as { n: number; a: number };
    return { totalCharged: r.a, payments: r.n };
  }

  isDenied(purseId: Uint8Array): boolean {
    // The size is cached until the next applyFleet: an empty list costs no query per decision.
    if (this.denylistSize() === 0) return false;
    return this.st('SELECT 1 FROM denylist WHERE purse_id = ?').get(Buffer.from(purseId)) !== undefined;
  }

  /** count(*) walks the whole table; the size changes only in applyFleet. */
  denylistSize(): number {
    this.denyCount ??= (this.st('SELECT count(*) AS n FROM denylist').get() as { n: number }).n;
    return this.denyCount;
  }

  // ---- fleet state ----

  /** The applied fleet message of a kind; read on every decision, so kept in memory until the next applyFleet. */
  fleet(kind: FleetKind): FleetRow | undefined {
    const cached = this.fleetCache.get(kind);
    if (cached !== undefined) return cached ?? undefined;
    const r = this.st('SELECT version, bytes, issued_at, applied_at_ms FROM fleet WHERE kind = ?').get(kind) as
      | { version: number; bytes: Buffer; issued_at: number; applied_at_ms: number }
      | undefined;
    const row = r ? { version: r.version, bytes: u8(r.bytes), issuedAt: r.issued_at, appliedAtMs: r.applied_at_ms } : undefined;
    this.fleetCache.set(kind, row ?? null);
    return row;
  }

  /**
   * Applies a verified fleet message atomically: its version, and for a deny list the full new set.
   * Refuses (returns false) a version not newer than the applied one, even if the caller forgot to check.
   */
  applyFleet(kind: FleetKind, m: { version: number; bytes: Uint8Array; issuedAt: number; denylist?: Uint8Array[] }, nowMs: number): boolean {
    const db = this.handle;
    const apply = db.transaction(() => {
      const cur = this.fleet(kind);
      if (cur && m.version <= cur.version) return false;
      this.st(
        `INSERT INTO fleet (kind, version, bytes, issued_at, applied_at_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(kind) DO UPDATE SET version = excluded.version, bytes = excluded.bytes, issued_at = excluded.issued_at, applied_at_ms = excluded.applied_at_ms`,
      ).run(kind, m.version, Buffer.from(m.bytes), m.issuedAt, nowMs);
      if (kind === 'denylist') {
        this.st('DELETE FROM denylist').run();
        const ins = this.st('INSERT OR IGNORE INTO denylist (purse_id) VALUES (?)');
        for (const p of m.denylist ?? []) ins.run(Buffer.from(p));
      }
      // A signed message proves the time was at least its issue time.
      this.advanceTimeHwmIn(m.issuedAt * 1000);
      // Kept apart from the mark, which a bad clock can push ahead: the floor of any way back (resetTimeHwm).
      if (m.issuedAt * 1000 > this.signedTimeMs()) this.setKv('signed_time_ms', String(m.issuedAt * 1000));
      return true;
    });
    let applied: boolean;
    try {
      applied = this.commitKv(apply);
    } finally {
      this.fleetCache.delete(kind);
      this.denyCount = undefined;
    }
    if (applied) this.onSignedTime?.(m.issuedAt * 1000);
    return applied;
  }

  /**
   * Told the signed issue time of every newly applied fleet message or trust list, whichever path
   * applied it (sync, a scanned code, the installed bundle): the trusted clock's way back from a
   * mark that ran ahead (terminal/time.ts).
   */
  onSignedTime: ((issuedAtMs: number) => void) | undefined;

  // ---- trusted time high-water mark ----

  /** Inside a transaction or alone; a mark not ahead of the stored one writes nothing. */
  private advanceTimeHwmIn(ms: number): void {
    const next = Math.floor(ms);
    if (next <= this.timeHighWaterMark()) return;
    this.setKv('time_hwm', String(next));
  }

  /**
   * The latest of the stored mark (checkpoints, fleet messages) and the journal head's decision
   * time; rows up to the last reset (`time_reset_idx`) no longer count: they carry the bad clock's times.
   */
  timeHighWaterMark(): number {
    const head = this.head.idx > Number(this.getKv('time_reset_idx') ?? 0) ? this.head.timeMs : 0;
    return Math.max(Number(this.getKv('time_hwm') ?? 0), head);
  }

  /**
   * Brings the mark down to `ms`, never below the issue time of any signed message applied here, and
   * stops the journal rows so far from holding it up. Only TrustedClock.signedTime calls this, with
   * the proof of a newly applied signed message; returns the new mark.
   */
  resetTimeHwm(ms: number): number {
    const mark = Math.floor(Math.max(ms, this.signedTimeMs()));
    const tx = this.handle.transaction(() => {
      this.setKv('time_hwm', String(mark));
      this.setKv('time_reset_idx', String(this.head.idx));
    });
    try {
      tx();
      this.checkpointer.committed();
    } catch (e) {
      this.loadKv();
      throw e;
    }
    this.head = { ...this.head, timeMs: 0 };
    return mark;
  }

  /** The latest issue time (ms) of any signed message ever applied here (rows from before this was kept: the applied ones). */
  signedTimeMs(): number {
    const applied = (['trust', 'denylist', 'config'] as const).map((k) => (this.fleet(k)?.issuedAt ?? 0) * 1000);
    return Math.max(Number(this.getKv('signed_time_ms') ?? 0), ...applied);
  }

  /** Moves the high-water mark forward only. */
  advanceTimeHwm(ms: number): void {
    this.advanceTimeHwmIn(ms);
  }

  // ---- outbox (sync) ----

  ackedUpTo(): number {
    return Number(this.getKv('acked_upto') ?? 0);
  }

  /**
   * Records the back office's ack; never moves backwards, never beyond the journal head. The cursor
   * is written with a head checkpoint signed over it, so an edited acked_upto shows in verify-journal,
   * and with `ackBytes`, the verified signed ack for `upTo` (kept when it is what moves or renews the
   * cursor): verify-journal checks the journal against it, which a terminal key cannot forge.
   */
  ack(upTo: number, nowMs: number, ackBytes?: Uint8Array): Promise<number> {
    return this.serial(async () => {
      const before = this.ackedUpTo();
      const next = Math.min(Math.max(before, upTo), this.head.idx);
      await this.writeCursorAndCheckpoint(next, nowMs, next === upTo ? ackBytes : undefined);
      // O(rows acked now), off the decision path: the sync service acks in batches.
      this.unsynced.removeRows(this.approvedBetween(before, next));
      return next;
    });
  }

  lastSyncMs(): number | null {
    const v = this.getKv('last_sync_ms');
    return v === undefined ? null : Number(v);
  }

  /** Records not yet acknowledged, in journal order, starting after `afterIdx` (default: the acked index). */
  unacked(limit: number, afterIdx?: number): { idx: number; record: Uint8Array }[] {
    const from = Math.max(afterIdx ?? 0, this.ackedUpTo());
    return (this.st('SELECT idx, record FROM journal WHERE idx > ? ORDER BY idx LIMIT ?').all(from, limit) as { idx: number; record: Buffer }[]).map((r) => ({
      idx: r.idx,
      record: u8(r.record),
    }));
  }

  backlog(): number {
    return this.head.idx - this.ackedUpTo();
  }

  /** Approved payments not yet acknowledged: what this terminal risks until the next sync. */
  unsyncedApproved(): { count: number; amount: number } {
    return this.unsynced.total();
  }

  /** Approved, not yet acknowledged amount of one purse at this terminal. */
  unsyncedForPurse(purseId: Uint8Array): number {
    return this.unsynced.forPurse(purseId);
  }

  getKv(key: string): string | undefined {
    if (!this.db) throw new TesseraError('INTERNAL', 'store not started');
    return this.kv.get(key);
  }

  setKv(key: string, value: string): void {
    const alone = !this.handle.inTransaction;
    try {
      this.st('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
    } catch (e) {
      if (alone) this.noteWrite(e);
      throw e;
    }
    this.kv.set(key, value);
    if (alone) {
      this.noteWrite();
      this.checkpointer.committed();
    }
  }

  // ---- storage health ----

  /** After a write: a disk failure is remembered (status, display), a commit clears it. */
  private noteWrite(e?: unknown): void {
    if (e === undefined) {
      if (this.diskFault !== undefined) this.log.info('storage writable again');
      this.diskFault = undefined;
    } else if (isDiskFailure(e)) this.diskFault = (e as Error).message;
  }

  /** Why the last write failed on the disk (e.g. "database or disk is full"), or undefined when writes commit. */
  storageFault(): string | undefined {
    return this.diskFault;
  }

  /** While a fault stands, one small write tells whether space (or the device) is back; true when writes commit. */
  probeStorage(nowMs: number): boolean {
    if (this.diskFault === undefined) return true;
    try {
      this.setKv('storage_probe_ms', String(nowMs));
      return true;
    } catch {
      return false;
    }
  }
}
