// The scanner interface: open() gives a handle that emits whole, deduplicated codes and its status.
import type { EventEmitter } from 'node:events';
import type { ErrorCode } from '#common';

export type ScannerState = 'connected' | 'disconnected' | 'reconnecting';

export interface ScannerStatus {
  state: ScannerState;
  code?: ErrorCode;
  detail?: string;
}

export interface ScannerHandleEvents {
  scan: [code: string];
  status: [status: ScannerStatus];
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
  /** Longest code accepted; longer input is dropped whole (it is garbage or two codes run together). */
  maxLength: number;
  /** A code equal to the last one seen within this many ms is a re-read of the same presentation. */
  rereadWindowMs: number;
}

export const DEFAULT_SCAN_FILTER: ScanFilterOptions = { maxLength: 2048, rereadWindowMs: 1500 };
