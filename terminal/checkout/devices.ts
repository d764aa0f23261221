// The device seams the checkout drives: shaped like drivers/ (scanner events, display screens, printer receipts).
import type { ErrorCode } from '#common';

/** What a display can show and what a printer prints: the drivers' own models (types only; nothing loads). */
export type { Screen } from '#drivers';
export type { Receipt as PrintedReceipt, Printable, ReportSlip } from '#drivers';
import type { Printable, Screen } from '#drivers';

/** A line the scanner read but would not deliver as a code (the drivers' ScanRefusal). */
export interface ScanRefusalLike {
  reason: 'too-long' | 'non-printable';
  length: number;
  maxLength: number;
}

/** A live scanner: emits one `scan` per presented code (the exact text the scanner read), one `refused` per refused line. */
export interface ScannerLike {
  on(event: 'scan', listener: (code: string) => void): unknown;
  off?(event: 'scan', listener: (code: string) => void): unknown;
  on(event: 'refused', listener: (refusal: ScanRefusalLike) => void): unknown;
  off?(event: 'refused', listener: (refusal: ScanRefusalLike) => void): unknown;
  on(event: 'status', listener: (status: DeviceStatusLike) => void): unknown;
  status?(): DeviceStatusLike;
  close?(): Promise<void>;
}

export interface DeviceStatusLike {
  state: string;
  code?: string;
  detail?: string;
  /** Printers that read status back (DLE EOT): the last answer, and when it came (ms). */
  paper?: 'ok' | 'near-end' | 'out';
  coverOpen?: boolean;
  error?: boolean;
  checkedAt?: number;
}

export interface DisplayLike {
  show(screen: Screen): unknown;
  status?(): DeviceStatusLike;
  close?(): Promise<void>;
}

export type PrintOutcomeLike = { ok: true; jobId?: string } | { ok: false; jobId?: string; code: ErrorCode | string; message: string };

/** A printer (receipts and reports): resolves with an outcome, or throws a TesseraError; either way the payment stands. */
export interface PrinterLike {
  print(doc: Printable): Promise<PrintOutcomeLike | void>;
  status?(): DeviceStatusLike;
  close?(): Promise<void>;
}

/** A display that draws nothing (a headless terminal, or before drivers are wired). */
export class NullDisplay implements DisplayLike {
  last: Screen | undefined;
  show(screen: Screen): void {
    this.last = screen;
  }
  status(): DeviceStatusLike {
    return { state: 'absent' };
  }
}
