// The device seams the checkout drives: shaped like drivers/ (scanner events, display screens, printer receipts).
import type { ErrorCode } from '#common';

/** What a display can show; the same union drivers/display draws. */
export type Screen =
  | { kind: 'idle'; title: string; subtitle?: string }
  | { kind: 'request'; amount: number; currency: string; merchantName: string; qrText: string }
  | { kind: 'processing' }
  | { kind: 'approved'; amount: number; currency: string; remaining?: number; message?: string }
  | { kind: 'declined'; reason: string; code: string }
  | { kind: 'out-of-order'; why: string }
  | { kind: 'transit-ok'; fare: number; currency: string; remaining?: number }
  | { kind: 'transit-denied'; reason: string; code: string }
  | { kind: 'already-validated' };

/** A live scanner: emits one `scan` per presented code (the exact text the scanner read). */
export interface ScannerLike {
  on(event: 'scan', listener: (code: string) => void): unknown;
  off?(event: 'scan', listener: (code: string) => void): unknown;
  on(event: 'status', listener: (status: DeviceStatusLike) => void): unknown;
  status?(): DeviceStatusLike;
  close?(): Promise<void>;
}

export interface DeviceStatusLike {
  state: string;
  code?: string;
  detail?: string;
}

export interface DisplayLike {
  show(screen: Screen): unknown;
  status?(): DeviceStatusLike;
  close?(): Promise<void>;
}

/** The receipt model drivers/printer prints. */
export interface PrintedReceipt {
  header?: string[];
  merchantName: string;
  merchantLines?: string[];
  /** ms since the epoch. */
  at: number;
  timeZone?: string;
  amount: number;
  currency: string;
  transactionId: string;
  remaining?: number;
  /** The signed receipt as QR text (TR1:…). */
  qrText: string;
  footer?: string[];
}

export type PrintOutcomeLike = { ok: true; jobId?: string } | { ok: false; jobId?: string; code: ErrorCode | string; message: string };

/** A printer: resolves with an outcome, or throws a TesseraError; either way the payment stands. */
export interface PrinterLike {
  print(receipt: PrintedReceipt): Promise<PrintOutcomeLike | void>;
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
