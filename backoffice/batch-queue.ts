// Runs clearing jobs with bounded concurrency: one key's jobs (a terminal's batches) in arrival order, different keys at once.

export type Job = () => Promise<void>;

/**
 * A terminal's chain can only grow in order, so its batches run one after another; batches of other
 * terminals run beside them, up to `limit` at once, so one busy terminal (or one slow transaction on
 * a hot merchant) does not hold the whole fleet behind it. Keys take turns: a key with a long queue
 * gets one slot, and the next free slot goes to the key that has waited longest.
 */
export class KeyedQueue {
  private readonly pending = new Map<string, Job[]>();
  /** Keys with queued jobs and none running, oldest first. */
  private readonly ready: string[] = [];
  private readonly running = new Set<string>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    /** Told about a job that threw (the queue itself never rejects). */
    private readonly onError: (key: string, error: unknown) => void = () => {},
  ) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${limit}`);
  }

  /** Jobs running now. */
  get active(): number {
    return this.running.size;
  }

  /** Jobs waiting for their key's previous job or a free slot. */
  get queued(): number {
    let n = 0;
    for (const q of this.pending.values()) n += q.length;
    return n;
  }

  push(key: string, job: Job): void {
    const q = this.pending.get(key);
    if (q) q.push(job);
    else {
      this.pending.set(key, [job]);
      if (!this.running.has(key)) this.ready.push(key);
    }
    this.pump();
  }

  /** Resolves once nothing runs or waits (jobs pushed meanwhile are waited for too). */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running.size < this.limit) {
      const key = this.ready.shift();
      if (key === undefined) break;
      const q = this.pending.get(key);
      const job = q?.shift();
      if (!q || !job) continue;
      if (q.length === 0) this.pending.delete(key);
      this.running.add(key);
      void this.run(key, job);
    }
    if (this.running.size === 0 && this.pending.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async run(key: string, job: Job): Promise<void> {
    try {
      await job();
    } catch (error) {
      this.onError(key, error);
    } finally {
      this.running.delete(key);
      // The key's next batch goes to the back of the line: other terminals get their turn first.
      if (this.pending.has(key)) this.ready.push(key);
      this.pump();
    }
  }
}
