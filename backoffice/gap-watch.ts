// Deferred resync requests: a gap another clearing worker is about to fill must not make the terminal re-send everything.
import type { Ledger } from './ledger.js';

/**
 * With several workers on one shared subscription, a terminal's batches arrive at different workers
 * in any order (mosquitto deals them round-robin): the worker that gets batch 2 before batch 1 is
 * committed holds it in the database, and the worker with batch 1 then clears both. Asking the
 * terminal to re-send at once would re-send batch 1 (and everything after it) for nothing. So the
 * worker that held records waits `delayMs`, then looks at the chain head in the database: only a gap
 * still open (batch 1 was lost with a killed worker or a dropped session) is worth a resync request.
 * Should this worker die meanwhile, the terminal's own ack timeout re-sends anyway.
 */
/** Calls `fire` after `ms`; returns a cancel function (the timer seam: tests fire checks by hand). */
export type GapTimer = (fire: () => void, ms: number) => () => void;

const realTimer: GapTimer = (fire, ms) => {
  const t = setTimeout(fire, ms);
  t.unref();
  return () => clearTimeout(t);
};

export class GapWatch {
  private readonly open = new Map<string, { heldUpTo: number; cancel: (() => void) | undefined }>();

  constructor(
    private readonly delayMs: number,
    /** Runs `check` in the terminal's own queue (so it sees the head after this worker's batches). */
    private readonly enqueue: (terminalId: string, check: () => Promise<void>) => void,
    private readonly timer: GapTimer = realTimer,
  ) {}

  /** Gaps waiting for their check. */
  get size(): number {
    return this.open.size;
  }

  /** A batch of `terminalId` left records up to `heldUpTo` held: check that gap later (one check per terminal at a time). */
  watch(terminalId: string, heldUpTo: number, check: (heldUpTo: number) => Promise<void>): void {
    const g = this.open.get(terminalId);
    if (g) {
      g.heldUpTo = Math.max(g.heldUpTo, heldUpTo);
      return;
    }
    const fire = () =>
      this.enqueue(terminalId, async () => {
        const due = this.open.get(terminalId);
        this.open.delete(terminalId);
        if (due) await check(due.heldUpTo);
      });
    const entry = { heldUpTo, cancel: undefined as (() => void) | undefined };
    this.open.set(terminalId, entry);
    if (this.delayMs === 0) fire();
    else entry.cancel = this.timer(fire, this.delayMs);
  }

  /** Drops every pending check (at stop: the terminals' ack timeouts cover what is left). */
  clear(): void {
    for (const g of this.open.values()) g.cancel?.();
    this.open.clear();
  }
}

/** True when the chain head has passed every record held behind the gap (another worker, or a later batch, filled it). */
export async function gapClosed(ledger: Pick<Ledger, 'getTerminal'>, terminalId: string, heldUpTo: number): Promise<{ closed: boolean; head: number }> {
  const t = await ledger.getTerminal(terminalId);
  const head = t?.lastIndex ?? 0;
  return { closed: head >= heldUpTo, head };
}
