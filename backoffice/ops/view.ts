// Plain-data views for operator answers: amounts with their currency, bytes as hex, decoded payments and records.
import { TesseraError } from '#common';
import { ADJUSTMENT, DECISION, PAYEE, decodeObject, reasonFromNumber, toHex, type AdjustmentKind, type JournalRecord } from '#protocol';
import type { Row } from '../ledger-rows.js';
import { u8 } from '../ledger-rows.js';
import { one, type Query } from './db.js';

/** An amount in integer minor units with its currency (the API contract's money shape). */
export interface Money {
  amount: number;
  currency: string;
}

export const money = (amount: number, currency: string): Money => ({ amount, currency });

export const hexOf = (b: unknown): string | null => (b === null || b === undefined ? null : toHex(u8(b)));

/** The back office's currency: every account holds it (a ledger never converts); 'XXX' (ISO 4217: none) before any account exists. */
export function* ledgerCurrency(): Query<string> {
  return ((yield* one("SELECT currency FROM accounts WHERE kind IN ('customer', 'merchant') ORDER BY id LIMIT 1"))?.currency as string | undefined) ?? 'XXX';
}

export interface PaymentView {
  purseId: string | null;
  seq: number;
  cumulative: number;
  /** Merchant mode: the exact amount; transit: the most a validator may charge. */
  authorised: Money;
  payeeKind: 'merchant' | 'transit';
  payee: string;
  requestNonce: string | null;
  line: string | null;
  validUntil: number | null;
  time: number;
  /** The payment carries sealed details (shown opened, to those who may see them, in `sealed`). */
  hasSealed: boolean;
  purseCert: { walletKey: string; cap: number; perPaymentLimit: number; notBefore: number; notAfter: number } | null;
  /** The complete COSE bytes (evidence). */
  bytes: string;
}

/** Decodes (without verifying) a payment's COSE bytes; `error` says why it does not decode. */
export function paymentView(bytes: Uint8Array): PaymentView | { error: string; bytes: string } {
  const d = decodeObject('PAYMENT', bytes);
  if (!d.ok) return { error: `${d.reason}: ${d.detail}`, bytes: toHex(bytes) };
  const p = d.value.value;
  const c = decodeObject('PURSE_CERT', p.purseCert);
  const cert = c.ok ? c.value.value : undefined;
  return {
    purseId: cert ? toHex(cert.purseId) : null,
    seq: p.seq,
    cumulative: p.cumulative,
    authorised: money(p.amount, p.currency),
    payeeKind: p.payeeKind === PAYEE.transit ? 'transit' : 'merchant',
    payee: p.payee,
    requestNonce: p.requestNonce ? toHex(p.requestNonce) : null,
    line: p.line ?? null,
    validUntil: p.validUntil ?? null,
    time: p.time,
    hasSealed: p.sealed !== undefined,
    purseCert: cert ? { walletKey: toHex(cert.walletKey), cap: cert.cap, perPaymentLimit: cert.perPaymentLimit, notBefore: cert.notBefore, notAfter: cert.notAfter } : null,
    bytes: toHex(bytes),
  };
}

export interface RecordView {
  terminalId: string;
  decision: 'approved' | 'declined';
  /** The terminal's reason code when it declined. */
  reason: string | null;
  amountCharged: number;
  time: number;
  reference: string | null;
  /** The payment's bytes; absent on an adjustment record. */
  payment: Uint8Array | undefined;
  /** Set on a void or refund record: what it gives back, of which payment. */
  adjustment: { kind: AdjustmentKind; original: string; currency: string; note: string | null } | null;
}

/** The adjustment a record makes (void or refund), or null for a decision on a payment. */
export function adjustmentOf(r: JournalRecord): RecordView['adjustment'] {
  if (r.adjustment === undefined || !r.original) return null;
  return { kind: r.adjustment === ADJUSTMENT.void ? 'void' : 'refund', original: toHex(r.original), currency: r.currency ?? '', note: r.note ?? null };
}

/** The fields of a stored journal record (verified when it was recorded). */
export function recordOf(bytes: Uint8Array): RecordView {
  const d = decodeObject('JOURNAL_RECORD', bytes);
  if (!d.ok) throw new TesseraError('DB_CORRUPT', `a stored journal record does not decode: ${d.detail}`);
  const r = d.value.value;
  return {
    terminalId: r.terminalId,
    decision: r.decision === DECISION.declined ? 'declined' : 'approved',
    reason: r.reason === 0 ? null : (reasonFromNumber(r.reason) ?? `reason ${r.reason}`),
    amountCharged: r.amountCharged,
    time: r.time,
    reference: r.reference ?? null,
    payment: r.payment,
    adjustment: adjustmentOf(r),
  };
}

/** Columns the row mappers read as numbers (PostgreSQL bigint arrives as number already, see ledger-pg/sql.ts). */
export const num = (r: Row, k: string): number => Number(r[k] ?? 0);
export const str = (r: Row, k: string): string | null => (r[k] === null || r[k] === undefined ? null : String(r[k]));
