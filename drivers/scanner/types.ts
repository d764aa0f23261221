// The scanner interface: open() gives a handle that emits whole, deduplicated codes and its status.
import type { EventEmitter } from 'node:events';
import type { ErrorCode } from '#common';

export type ScannerState = 'connected' | 'disconnected' | 'reconnecting';

export interface ScannerStatus {
  state: ScannerState;
  code?: ErrorCode;
  detail?: string;
}

/**
 * A line the scanner read in full but will not deliver as a code: longer than `maxLength`, or with
 * characters no code contains. The checkout refuses it with a reason, as it does an unreadable code.
 */
export interface ScanRefusal {
  reason: 'too-long' | 'non-printable';
  /** Characters in the line (all of them, for an over-long one). */
  length: number;
  maxLength: number;
}

export interface ScannerHandleEvents {
  scan: [code: string];
  /** Once per presentation of a refused line (re-reads within the window are folded, as for codes). */
  refused: [refusal: ScanRefusal];
  status: [status: ScannerStatus];
}

/** Where a CodeAssembler sends what it assembled. */
export interface ScanSink {
  code(code: string): void;
  refused(refusal: ScanRefusal): void;
}

/** A live scanner. Emits `scan` once per presentation and `status` on every state change. */
export interface ScannerHandle extends EventEmitter<ScannerHandleEvents> {
  status(): ScannerStatus;
  /** Stops reading and reconnecting; the handle emits nothing afterwards. */
  close(): Promise<void>;
}

export interface ScannerDriver {
  /**
   * Starts the scanner. Resolves once the first connection attempt is done, connected or not:
   * a scanner that is absent at start is retried forever, like one that vanishes later.
   */
  open(): Promise<ScannerHandle>;
}

/** Options shared by every scanner implementation. */
export interface ScanFilterOptions {
  /** Longest code accepted; a longer line is refused whole (it is garbage or two codes run together). */
  maxLength: number;
  /** A code equal to the last one seen within this many ms is a re-read of the same presentation. */
  rereadWindowMs: number;
}

export const DEFAULT_SCAN_FILTER: ScanFilterOptions = { maxLength: 2048, rereadWindowMs: 1500 };
