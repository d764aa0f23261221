// Reconnect back-off: doubling delays with a ceiling, forever, cancellable.

export interface BackoffOptions {
  /** First delay in ms. */
  initialMs: number;
  /** Ceiling in ms: a device that stays away is retried at this pace forever. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 5000 };

/**
 * Calls `attempt` until it resolves true, waiting initialMs, 2×, 4× … maxMs between failures.
 * Never gives up; `cancel()` stops it (the only way it ends without success).
 */
export class Reconnector {
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private stopped = false;
  private running = false;

  constructor(
    private readonly attempt: () => Promise<boolean>,
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    this.delay = options.initialMs;
  }

  /** Schedules attempts (the first after initialMs unless `immediate`). Idempotent while running. */
  start(immediate = false): void {
    if (this.stopped || this.running) return;
    this.running = true;
    this.delay = this.options.initialMs;
    this.schedule(immediate ? 0 : this.delay);
  }

  cancel(): void {
    this.stopped = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  get active(): boolean {
    return this.running;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, ms);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    let ok: boolean;
    try {
      ok = await this.attempt();
    } catch {
      ok = false;
    }
    if (this.stopped) return;
    if (ok) {
      this.running = false;
      return;
    }
    this.delay = Math.min(this.delay * 2, this.options.maxMs);
    this.schedule(this.delay);
  }
}
