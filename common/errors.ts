// The one error class of Tessera: every failure carries a stable, machine-readable code.

/** Stable error codes. Add new ones at the end of a group; never rename one (logs, CLIs and scripts match on them). */
export const ERROR_CODES = [
  // configuration and files
  'CONFIG_INVALID',
  'CONFIG_NOT_FOUND',
  'KEY_PERMISSIONS',
  'KEY_INVALID',
  'FILE_WRITE_FAILED',
  'CONFIG_TOO_NEW',
  'BACKUP_INVALID',
  'RESTORE_REFUSED',
  // storage
  'DB_CORRUPT',
  'DB_TOO_NEW',
  'DB_WRITE_FAILED',
  'JOURNAL_TAMPERED',
  'DB_MISSING',
  'DB_UNREACHABLE',
  // devices
  'SCANNER_DISCONNECTED',
  'SCANNER_OPEN_FAILED',
  'PRINTER_UNAVAILABLE',
  'PRINTER_PAPER_OUT',
  'PRINTER_COVER_OPEN',
  'PRINTER_ERROR',
  'PRINTER_TIMEOUT',
  'DISPLAY_UNSUPPORTED',
  'DISPLAY_OPEN_FAILED',
  'DEVICE_NOT_FOUND',
  'PRINTER_JOB_NOT_FOUND',
  // protocol and checkout
  'PROTOCOL_ENCODE',
  'PAYMENT_BUSY',
  'PAYMENT_NOT_FOUND',
  'PAYMENT_STATE',
  'TERMINAL_NOT_READY',
  /** A void of a payment the back office already acknowledged: the register refunds it instead. */
  'VOID_TOO_LATE',
  /** A void or refund of a payment that was voided already. */
  'ALREADY_VOIDED',
  /** A void of a payment that was partly refunded already (refund the rest instead). */
  'ALREADY_REFUNDED',
  /** A void or refund of something that took no money: a declined payment, or a void or refund itself. */
  'NOT_ADJUSTABLE',
  // sync and network
  'BROKER_UNREACHABLE',
  'SYNC_TIMEOUT',
  /** The broker refused a subscription (its rules do not allow it). */
  'BROKER_REFUSED',
  // control API / CLI
  'DAEMON_UNREACHABLE',
  'API_BAD_REQUEST',
  'API_UNAUTHORIZED',
  'API_IDEMPOTENCY_MISMATCH',
  'API_FORBIDDEN',
  'API_RATE_LIMITED',
  'API_TOO_LARGE',
  'API_IDP_UNREACHABLE',
  'USAGE',
  'INTERNAL',
  // back office and wallet
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'INSUFFICIENT_FUNDS',
  'VERIFICATION_FAILED',
  'CURRENCY_MISMATCH',
  /** A refund would take more back than the payment it refunds (in total). */
  'REFUND_EXCEEDS_PAYMENT',
  /** The operation does not apply in the state the thing is in (a case resolved otherwise, a purse already closed). */
  'CONFLICT',
  // wallet API
  'CHALLENGE_INVALID',
  'CHALLENGE_EXPIRED',
  'CHALLENGE_USED',
  'PURSE_NOT_ACTIVE',
  'PURSE_UNSETTLED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isTesseraError(e: unknown, code?: ErrorCode): e is TesseraError {
  return e instanceof TesseraError && (code === undefined || e.code === code);
}

/** A message safe to show a person for anything thrown. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
