// Moves WAL checkpoints off the decision path: a PASSIVE checkpoint when the store goes idle, and a hard bound on commits between checkpoints.
import type { Logger } from '#common';
import type { Db } from './open.js';

export interface CheckpointTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Runs `fn` after the current decision's follow-up work (its display frame); default setImmediate. */
  defer(fn: () => void): void;
}

export interface CheckpointOptions {
  /** Quiet time after the last commit before checkpointing (ms). */
  idleMs?: number;
  /** Commits after which a checkpoint runs even without a pause, so the WAL stays bounded. */
  maxCommits?: number;
  timers?: CheckpointTimers;
}

// 400 decisions of ~27 KB keep the WAL near 11 MB. The bound also decides how long the WAL file
// keeps growing after a start: commits that extend the file cost ~0.2 ms more each (the file size
// is flushed with every fsync) than commits that reuse it after a checkpoint.
export const DEFAULT_CHECKPOINT = { idleMs: 200, maxCommits: 400 } as const;

const realTimers: CheckpointTimers = {
  setTimeout: (fn, ms) => {
    const h = setTimeout(fn, ms);
    h.unref();
    return h;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  defer: (fn) => void setImmediate(fn),
};

/**
 * SQLite's auto-checkpoint runs inside the commit that crosses 1000 WAL pages, so every ~150th
 * decision paid for copying pages into the database file and two more fsyncs. With it off, the
 * copy happens when no one is waiting. Durability is unchanged: each commit is still fsync'd in the
 * WAL (synchronous=FULL), and a checkpoint only moves committed pages.
 */
export class WalCheckpointer {
  private readonly idleMs: number;
  private readonly maxCommits: number;
  private readonly timers: CheckpointTimers;
  private commits = 0;
  private idle: unknown;
  private forced = false;

  constructor(
    private readonly db: () => Db | undefined,
    private readonly log: Logger,
    o: CheckpointOptions = {},
  ) {
    this.idleMs = o.idleMs ?? DEFAULT_CHECKPOINT.idleMs;
    this.maxCommits = o.maxCommits ?? DEFAULT_CHECKPOINT.maxCommits;
    this.timers = o.timers ?? realTimers;
  }

  /** Called after each committed write transaction. */
  committed(): void {
    this.commits++;
    if (this.idle !== undefined) this.timers.clearTimeout(this.idle);
    this.idle = this.timers.setTimeout(() => {
      this.idle = undefined;
      this.run('idle');
    }, this.idleMs);
    if (this.commits >= this.maxCommits && !this.forced) {
      this.forced = true;
      this.timers.defer(() => this.due());
    }
  }

  /**
   * Runs the bounded checkpoint if one is due. Deferred after the commit so the decision's frame
   * goes first; the store also calls this before its next write, because a stream of decisions
   * that never yields to the event loop (promise chains only) would otherwise never run it.
   */
  due(): void {
    if (!this.forced) return;
    this.forced = false;
    if (this.commits >= this.maxCommits) this.run('bound');
  }

  stop(): void {
    if (this.idle !== undefined) this.timers.clearTimeout(this.idle);
    this.idle = undefined;
  }

  private run(why: 'idle' | 'bound'): void {
    const db = this.db();
    if (!db || this.commits === 0) return;
    try {
      // PASSIVE never waits on readers; frames a reader still needs are copied at the next one.
      const r = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      const x = r[0];
      if (x && x.checkpointed === x.log) this.commits = 0;
      this.log.debug({ why, ...x }, 'wal checkpoint');
    } catch (e) {
      // A failed checkpoint loses nothing (the pages stay in the WAL); the next one retries.
      this.log.warn({ err: e, why }, 'wal checkpoint failed');
    }
  }
}
