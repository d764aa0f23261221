// ESC/POS real-time status (DLE EOT n): the queries we send and what the answer bytes mean.
import type { ErrorCode } from '#common';

export interface PrinterStatus {
  online: boolean;
  paperOut: boolean;
  paperNearEnd: boolean;
  coverOpen: boolean;
  error: boolean;
}

export const DLE_EOT = (n: 1 | 2 | 3 | 4): Uint8Array => Uint8Array.of(0x10, 0x04, n);

/** Answers to n = 1 (printer), 2 (offline cause), 4 (roll paper sensor), in that order. */
export function parseStatus(printer: number, offline: number, paper: number): PrinterStatus {
  return {
    online: (printer & 0x08) === 0,
    coverOpen: (offline & 0x04) !== 0,
    error: (offline & 0x40) !== 0,
    paperOut: (offline & 0x20) !== 0 || (paper & 0x60) !== 0,
    paperNearEnd: (paper & 0x0c) !== 0,
  };
}

/** The status bytes a printer in `s` answers with (what the emulator sends). */
export function statusBytes(s: PrinterStatus, n: number): number {
  switch (n) {
    case 1:
      return 0x12 | (s.online ? 0 : 0x08);
    case 2:
      return 0x12 | (s.coverOpen ? 0x04 : 0) | (s.paperOut ? 0x20 : 0) | (s.error ? 0x40 : 0);
    case 4:
      return 0x12 | (s.paperNearEnd ? 0x0c : 0) | (s.paperOut ? 0x60 : 0);
    default:
      return 0x12;
  }
}

/** Why a printer in this state must not print, or undefined when it may. */
export function refusal(s: PrinterStatus, printOnNearEnd: boolean): { code: ErrorCode; state: 'paper-out' | 'cover-open' | 'error' | 'paper-near-end'; why: string } | undefined {
  if (s.coverOpen) return { code: 'PRINTER_COVER_OPEN', state: 'cover-open', why: 'cover open' };
  if (s.paperOut) return { code: 'PRINTER_PAPER_OUT', state: 'paper-out', why: 'paper out' };
  if (s.error || !s.online) return { code: 'PRINTER_ERROR', state: 'error', why: s.error ? 'printer error' : 'printer offline' };
  if (s.paperNearEnd && !printOnNearEnd) return { code: 'PRINTER_PAPER_OUT', state: 'paper-near-end', why: 'paper near end' };
  return undefined;
}
