// Keeps the journal's signed head checkpoint current: checks the stored one at start, re-signs when the store is idle, never signs over a journal that contradicts it.
import type { Logger } from '#common';
import { getDefaultBackend, type Signer } from '#protocol';
import { headProblem, readHeadCheckpoint, signHeadCheckpoint } from './head-checkpoint.js';

/** The head checkpoint is re-signed this long after the last append (idle), and with every ack. */
export const HEAD_CHECKPOINT_IDLE_MS = 250;

/** The journal as the anchor sees it. */
export interface HeadView {
  idx: number;
  hashAt: (idx: number) => Uint8Array | undefined;
  ackedUpTo: number;
}

export class HeadAnchor {
  /** The head the stored checkpoint names; false once the stored one contradicts the database (left as evidence). */
  private at: number | false = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly terminalId: string,
    private readonly signer: Signer,
    private readonly log: Logger,
  ) {}

  /** At start: checks the stored checkpoint (kv text) against the journal; true when a new one is due now. */
  open(text: string | undefined, head: HeadView): boolean {
    this.at = this.check(text, head);
    return this.at !== false && this.at < head.idx;
  }

  private check(text: string | undefined, head: HeadView): number | false {
    // None yet: an empty journal, or one written before checkpoints existed (signed now).
    if (text === undefined) return head.idx === 0 ? 0 : -1;
    const r = readHeadCheckpoint(text, this.signer.publicKey, getDefaultBackend());
    const problem = r.ok ? headProblem(r.checkpoint, { ...head, terminalId: this.terminalId }) : r.problem;
    if (problem === undefined && r.ok) return r.checkpoint.idx;
    this.log.error({ problem }, 'the journal contradicts its signed head checkpoint: run tessera verify-journal');
    return false;
  }

  /** Whether the stored checkpoint already names head `idx` (or none may be signed). */
  current(idx: number): boolean {
    return this.at === false || this.at === idx;
  }

  /** The checkpoint text for this head and cursor, or undefined when the journal contradicts the stored one. */
  async sign(idx: number, hash: Uint8Array, ackedUpTo: number): Promise<string | undefined> {
    if (this.at === false) return undefined;
    return signHeadCheckpoint({ terminalId: this.terminalId, idx, hash, ackedUpTo }, this.signer);
  }

  /** A signed checkpoint for head `idx` committed. */
  written(idx: number): void {
    if (this.at !== false) this.at = idx;
  }

  /** Runs `write` once the store has been idle `ms` (each call restarts the wait). */
  schedule(write: () => Promise<void>, ms = HEAD_CHECKPOINT_IDLE_MS): void {
    if (this.at === false) return;
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      write().catch((e: unknown) => this.log.warn({ err: e }, 'head checkpoint not written'));
    }, ms);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
