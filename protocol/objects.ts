// Every Tessera object: its type number, QR prefix, CBOR key table, TypeScript shape and bounds.
import type { FieldSpec, FieldType } from './schema.js';

/** Bounds (protocol.md §Bounds). Amounts are integer minor units. */
export const MAX_AMOUNT = 1_000_000_000_000; // 10^12 minor units: 10 billion in a 2-decimal currency
export const MAX_TIME = 0xffffffffff; // seconds since the Unix epoch; far beyond any real date
export const MAX_SEQ = 0xffffffff;
export const DAY = 86_400; // seconds in a day: validity periods are whole days
export const MAX_DENYLIST = 100_000;

export const TYPE = {
  TRUST_LIST: 1,
  TERMINAL_CERT: 2,
  PURSE_CERT: 3,
  PAYMENT_REQUEST: 4,
  PAYMENT: 5,
  RECEIPT: 6,
  JOURNAL_RECORD: 7,
  FLEET_MESSAGE: 8,
  ENROLMENT_REQUEST: 9,
  ACK: 10,
  RESYNC: 11,
} as const;
export type ObjectType = (typeof TYPE)[keyof typeof TYPE];
export type ObjectKind = keyof typeof TYPE;

/** QR text prefixes: a kind letter pair plus the major version, like HCERT's "HC1:". */
export const PREFIX: Record<ObjectKind, string> = {
  TRUST_LIST: 'TL1:',
  TERMINAL_CERT: 'TC1:',
  PURSE_CERT: 'TK1:',
  PAYMENT_REQUEST: 'TQ1:',
  PAYMENT: 'TP1:',
  RECEIPT: 'TR1:',
  JOURNAL_RECORD: 'TJ1:',
  FLEET_MESSAGE: 'TF1:',
  ENROLMENT_REQUEST: 'TE1:',
  ACK: 'TA1:',
  RESYNC: 'TS1:',
};

/** Largest encoded object (COSE bytes) accepted per kind, checked before any parsing. */
export const MAX_BYTES: Record<ObjectKind, number> = {
  TRUST_LIST: 16_384,
  TERMINAL_CERT: 512,
  PURSE_CERT: 512,
  PAYMENT_REQUEST: 768,
  PAYMENT: 768,
  RECEIPT: 512,
  JOURNAL_RECORD: 2_048,
  FLEET_MESSAGE: 2_000_000,
  ENROLMENT_REQUEST: 512,
  ACK: 24_576,
  RESYNC: 256,
};

/** CBOR item-count limit per kind (deny lists are the only long arrays). */
export const MAX_ITEMS: Record<ObjectKind, number> = {
  TRUST_LIST: 1_024,
  TERMINAL_CERT: 64,
  PURSE_CERT: 64,
  PAYMENT_REQUEST: 64,
  PAYMENT: 64,
  RECEIPT: 64,
  JOURNAL_RECORD: 64,
  FLEET_MESSAGE: MAX_DENYLIST + 1_024,
  ENROLMENT_REQUEST: 64,
  ACK: 1_024,
  RESYNC: 64,
};

export const VERSION = 1;

export const ROLE = { TERMINALS: 1, PURSES: 2, FLEET: 4, SEALED: 8, CLEARING: 16 } as const;
/** Every defined role bit: the largest `roles` value a trusted key may carry. */
export const ALL_ROLES = ROLE.TERMINALS | ROLE.PURSES | ROLE.FLEET | ROLE.SEALED | ROLE.CLEARING;
export type Role = keyof typeof ROLE;

const ID: FieldType = { t: 'tstr', max: 32, pattern: /^[A-Za-z0-9._-]{1,32}$/ };
const NAME: FieldType = { t: 'tstr', max: 40, pattern: /^[^\p{Cc}]{1,40}$/u };
const TIME: FieldType = { t: 'uint', max: MAX_TIME };
const AMOUNT: FieldType = { t: 'uint', max: MAX_AMOUNT };
const CURRENCY: FieldType = { t: 'tstr', max: 3, pattern: /^[A-Z]{3}$/ };
const PUBKEY: FieldType = { t: 'bstr', len: 33 };
const KID: FieldType = { t: 'bstr', len: 8 };
const HASH: FieldType = { t: 'bstr', len: 32 };
const ID16: FieldType = { t: 'bstr', len: 16 };
const HEAD: FieldSpec[] = [
  { key: 0, name: 'type', type: { t: 'uint', max: 255 } },
  { key: 1, name: 'v', type: { t: 'uint', max: 255 } },
];

// ---- 1. Trust list (root-signed) ----
export interface TrustedKey {
  kid: Uint8Array;
  publicKey: Uint8Array;
  /** Bitmask of ROLE values. */
  roles: number;
  notBefore: number;
  notAfter: number;
  name?: string;
}
export interface TrustList {
  version: number;
  issuedAt: number;
  keys: TrustedKey[];
}
export const TRUSTED_KEY_FIELDS: FieldSpec[] = [
  { key: 1, name: 'kid', type: KID },
  { key: 2, name: 'publicKey', type: PUBKEY },
  { key: 3, name: 'roles', type: { t: 'uint', max: ALL_ROLES, min: 1 } },
  { key: 4, name: 'notBefore', type: TIME },
  { key: 5, name: 'notAfter', type: TIME },
  { key: 6, name: 'name', type: NAME, optional: true },
];
export const TRUST_LIST_FIELDS: FieldSpec[] = [
  ...HEAD,
  { key: 2, name: 'version', type: { t: 'uint', max: MAX_SEQ } },
  { key: 3, name: 'issuedAt', type: TIME },
  { key: 4, name: 'keys', type: { t: 'array', of: { t: 'map', fields: TRUSTED_KEY_FIELDS }, max: 64, min: 1 } },
];

// ---- 2. Terminal certificate (issuer-signed, role TERMINALS) ----
export type TerminalMode = 'merchant' | 'transit';
export const MODE_NUMBER: Record<TerminalMode, number> = { merchant: 0, transit: 1 };
export interface TerminalCert {
  terminalId: string;
  merchantId: string;
  displayName: string;
  mode: TerminalMode;
  publicKey: Uint8Array;
  notBefore: number;
  notAfter: number;
}
export const TERMINAL_CERT_FIELDS: FieldSpec[] = [
  ...HEAD,
  { key: 2, name: 'terminalId', type: ID },
  { key: 3, name: 'merchantId', type: ID },
  { key: 4, name: 'displayName', type: NAME },
  { key: 5, name: 'mode', type: { t: 'uint', max: 1 } },
  { key: 6, name: 'publicKey', type: PUBKEY },
  { key: 7, name: 'notBefore', type: TIME },
  { key: 8, name: 'notAfter', type: TIME },
];

// ---- 3. Purse certificate (issuer-signed, role PURSES) ----
export interface PurseCert {
  purseId: Uint8Array;
  walletKey: Uint8Array;
  currency: string;
  cap: number;
  perPaymentLimit: number;
  notBefore: number;
  notAfter: number;
}
export const PURSE_CERT_FIELDS: FieldSpec[] = [
  ...HEAD,
  { key: 2, name: 'purseId', type: ID16 },
  { key: 3, name: 'walletKey', type: PUBKEY },
  { key: 4, name: 'currency', type: CURRENCY },
  { key: 5, name: 'cap', type: AMOUNT },
  { key: 6, name: 'perPaymentLimit', type: AMOUNT },
  { key: 7, name: 'notBefore', type: TIME },
  { key: 8, name: 'notAfter', type: TIME },
];

// ---- 4. Payment request (terminal-signed) ----
export interface PaymentRequest {
  terminalCert: Uint8Array;
  amount: number;
  currency: string;
  nonce: Uint8Array;
  time: number;
  reference?: string;
}
export const PAYMENT_REQUEST_FIELDS: FieldSpec[] = [
  ...HEAD,
  { key: 2, name: 'terminalCert', type: { t: 'bstr', max: MAX_BYTES.TERMINAL_CERT } },
  { key: 3, name: 'amount', type: { t: 'uint', max: MAX_AMOUNT, min: 1 } },
  { key: 4, name: 'currency', type: CURRENCY },
  { key: 5, name: 'nonce', type: ID16 },
  { key: 6, name: 'time', type: TIME },
  { key: 7, name: 'reference', type: { t: 'tstr', max: 32 }, optional: true },
];

// ---- 5. Payment (purse-signed) ----
export const PAYEE = { merchant: 0, transit: 1 } as const;
export interface Payment {
  purseCert: Uint8Array;
  seq: number;
  cumulative: number;
  /** Merchant mode: the exact amount. Transit mode: the most the validator may charge. */
  amount: number;
  currency: string;
  payeeKind: number;
  /** Merchant mode: the terminal id. Transit mode: the operator id. */
  payee: string;
  /** Merchant mode only: the request nonce. */
  requestNonce?: Uint8Array;
  /** Transit mode only: the line ("*" for any line of the operator). */
  line?: string;
  /** Transit mode only: last second at which a validator may accept it. */
  validUntil?: number;
  time: number;
  /** Optional ECIES-sealed details readable only by the issuer's SEALED key. */
  sealed?: Uint8Array;
}
export const PAYMENT_FIELDS: FieldSpec[] = [
  ...HEAD,
  { key: 2, name: 'purseCert', type: { t: 'bstr', max: MAX_BYTES.PURSE_CERT } },
  { key: 3, name: 'seq', type: { t: 'uint', max: MAX_SEQ, min: 1 } },
  { key: 4, name: 'cumulative', type: AMOUNT },
  { key: 5, name: 'amount', type: { t: 'uint', max: MAX_AMOUNT, min: 1 } },
  { key: 6, name: 'currency', type: CURRENCY },
  { key: 7, name: 'payeeKind', type: { t: 'uint', max: 1 } },
  { key: 8, name: 'payee', type: ID },
  { key: 9, name: 'requestNonce', type: ID16, optional: true },
  { key: 10, name: 'line', type: { t: 'tstr', max: 16, pattern: /^(\*|[A-Za-z0-9._-]{1,16})$/ }, optional: true },
  { key: 11, name: 'validUntil', type: TIME, optional: true },
  { key: 12, name: 'time', type: TIME },
  { key: 13, name: 'sealed', type: { t: 'bstr', max: 160 }, optional: true },
];

// ---- 6. Receipt (terminal-signed) ----
export interface Receipt {
  txId: Uint8Array;
  amount: number;
  currency: string;
  terminalId: string;
  merchantId: string;
  purseId: Uint8Array;
  seq: number;
  time: number;
  journalIndex: number;
}
export const RECEIPT_FIELDS: FieldSpec[] = [
  ...HEAD,
  { key: 2, name: 'txId', type: HASH },
  { key: 3, name: 'amount', type: AMOUNT },
  { key: 4, name: 'currency', type: CURRENCY },
  { key: 5, name: 'terminalId', type: ID },
  { key: 6, name: 'merchantId', type: ID },
  { key: 7, name: 'purseId', type: ID16 },
  { key: 8, name: 'seq', type: { t: 'uint', max: MAX_SEQ, min: 1 } },
  { key: 9, name: 'time', type: TIME },
  { key: 10, name: 'journalIndex', type: { t: 'uint', max: Number.MAX_SAFE_INTEGER } },
];

// ---- 7. Journal record (terminal-signed) ----
export const DECISION = { approved: 0, declined: 1 } as const;
/**
 * A record that adjusts an earlier approved payment of the same terminal instead of deciding a new
 * one: a void takes the whole payment back before the back office acknowledged it, a refund gives
 * part or all of it back later. Both are settled as a merchant → customer transfer.
 */
export const ADJUSTMENT = { void: 1, refund: 2 } as const;
export type AdjustmentKind = keyof typeof ADJUSTMENT;
export const MAX_ADJUSTMENT_NOTE = 64;
export interface JournalRecord {
  terminalId: string;
  index: number;
  prevHash: Uint8Array;
  /** The payment's transaction id; for an adjustment, the adjustment's own (random) id. */
  txId: Uint8Array;
  /** The exact payment bytes; absent exactly when the record is an adjustment. */
  payment?: Uint8Array;
  decision: number;
  /** Reason number (REASONS[code].n); 0 when approved. */
  reason: number;
  /** What the payment charged; for an adjustment, what it gives back. */
  amountCharged: number;
  time: number;
  /** The merchant's reference of the payment request the payment answered (merchant mode, optional), or the register's reference of an adjustment. */
  reference?: string;
  /** An ADJUSTMENT number: this record voids or refunds the approved payment `original`. */
  adjustment?: number;
  /** The transaction id of the payment adjusted (present iff adjustment). */
  original?: Uint8Array;
  /** The currency of the amount given back: the adjusted payment's (present iff adjustment). */
  currency?: string;
  /** The register's reason for an adjustment (optional). */
  note?: string;
}
export const JOURNAL_RECORD_FIELDS: FieldSpec[] = [
  ...HEAD,
  { key: 2, name: 'terminalId', type: ID },
  { key: 3, name: 'index', type: { t: 'uint', max: Number.MAX_SAFE_INTEGER } },
  { key: 4, name: 'prevHash', type: HASH },
  { key: 5, name: 'txId', type: HASH },
  { key: 6, name: 'payment', type: { t: 'bstr', max: MAX_BYTES.PAYMENT }, optional: true },
  { key: 7, name: 'decision', type: { t: 'uint', max: 1 } },
  { key: 8, name: 'reason', type: { t: 'uint', max: 255 } },
  { key: 9, name: 'amountCharged', type: AMOUNT },
  { key: 10, name: 'time', type: TIME },
  { key: 11, name: 'reference', type: { t: 'tstr', max: 32 }, optional: true },
  { key: 12, name: 'adjustment', type: { t: 'uint', min: 1, max: 2 }, optional: true },
  { key: 13, name: 'original', type: HASH, optional: true },
  { key: 14, name: 'currency', type: CURRENCY, optional: true },
  { key: 15, name: 'note', type: { t: 'tstr', max: MAX_ADJUSTMENT_NOTE, pattern: /^[^\p{Cc}]+$/u }, optional: true },
];

// ---- 8. Fleet messages (issuer-signed, role FLEET) ----
export const FLEET_KIND = { denylist: 1, config: 2 } as const;
export interface FareRule {
  /** 0 matches any zone. */
  zone: number;
  /** Minutes after local midnight, inclusive start, exclusive end. */
  fromMinute: number;
  toMinute: number;
  fare: number;
}
export interface TerminalConfigBody {
  currency: string;
  operatorId: string;
  line?: string;
  zone?: number;
  /** Offset of local time from UTC in minutes, for time bands. */
  utcOffsetMinutes: number;
  fares: FareRule[];
}
export interface FleetMessage {
  kind: number;
  version: number;
  issuedAt: number;
  /** A terminal id, or absent for the whole fleet. */
  target?: string;
  denylist?: Uint8Array[];
  config?: TerminalConfigBody;
}
export const FARE_RULE_FIELDS: FieldSpec[] = [
  { key: 1, name: 'zone', type: { t: 'uint', max: 255 } },
  { key: 2, name: 'fromMinute', type: { t: 'uint', max: 1440 } },
  { key: 3, name: 'toMinute', type: { t: 'uint', max: 1440 } },
  { key: 4, name: 'fare', type: AMOUNT },
];
export const CONFIG_BODY_FIELDS: FieldSpec[] = [
  { key: 1, name: 'currency', type: CURRENCY },
  { key: 2, name: 'operatorId', type: ID },
  { key: 3, name: 'line', type: { t: 'tstr', max: 16, pattern: /^[A-Za-z0-9._-]{1,16}$/ }, optional: true },
  { key: 4, name: 'zone', type: { t: 'uint', max: 255 }, optional: true },
  { key: 5, name: 'utcOffsetMinutes', type: { t: 'int', min: -900, max: 900 } },
  { key: 6, name: 'fares', type: { t: 'array', of: { t: 'map', fields: FARE_RULE_FIELDS }, max: 64 } },
];
export const FLEET_MESSAGE_FIELDS: FieldSpec[] = [
  ...HEAD,
  { key: 2, name: 'kind', type: { t: 'uint', max: 2, min: 1 } },
  { key: 3, name: 'version', type: { t: 'uint', max: MAX_SEQ, min: 1 } },
  { key: 4, name: 'issuedAt', type: TIME },
  { key: 5, name: 'target', type: ID, optional: true },
  { key: 6, name: 'denylist', type: { t: 'array', of: ID16, max: MAX_DENYLIST }, optional: true },
  { key: 7, name: 'config', type: { t: 'map', fields: CONFIG_BODY_FIELDS }, optional: true },
];

// ---- 9. Enrolment request (self-signed by the terminal key: proof of possession) ----
export interface EnrolmentRequest {
  terminalId: string;
  publicKey: Uint8Array;
  hardwareId: string;
  time: number;
}
export const ENROLMENT_REQUEST_FIELDS: FieldSpec[] = [
  ...HEAD,
  { key: 2, name: 'terminalId', type: ID },
  { key: 3, name: 'publicKey', type: PUBKEY },
  { key: 4, name: 'hardwareId', type: { t: 'tstr', max: 64 } },
  { key: 5, name: 'time', type: TIME },
];

// ---- 10. Ack (back-office-signed, role CLEARING): the terminal may drop records 1..upTo ----
/** Per-record outcome numbers carried in an ack (names in protocol/sync/ack.ts). */
export const ACK_STATUS = { settled: 0, duplicate: 1, 'declined-recorded': 2, fraud: 3, rejected: 4 } as const;
/** Most per-record results one ack carries (flagged ones first; the rest are counted in `omitted`). */
export const MAX_ACK_RESULTS = 64;
export const MAX_ACK_REASON = 80;
export interface AckResultEntry {
  index: number;
  /** An ACK_STATUS number. */
  status: number;
  reason?: string;
}
export interface Ack {
  terminalId: string;
  /** Every record 1..upTo is settled or recorded by the back office (0: none yet). */
  upTo: number;
  /** recordHash of the terminal's record at upTo (32 zero bytes when upTo is 0). */
  hash: Uint8Array;
  time: number;
  results: AckResultEntry[];
  /** Results not carried because of MAX_ACK_RESULTS. */
  omitted?: number;
}
export const ACK_RESULT_FIELDS: FieldSpec[] = [
  { key: 1, name: 'index', type: { t: 'uint', max: Number.MAX_SAFE_INTEGER, min: 1 } },
  { key: 2, name: 'status', type: { t: 'uint', max: 4 } },
  { key: 3, name: 'reason', type: { t: 'tstr', max: MAX_ACK_REASON }, optional: true },
];
export const ACK_FIELDS: FieldSpec[] = [
  ...HEAD,
  { key: 2, name: 'terminalId', type: ID },
  { key: 3, name: 'upTo', type: { t: 'uint', max: Number.MAX_SAFE_INTEGER } },
  { key: 4, name: 'hash', type: HASH },
  { key: 5, name: 'time', type: TIME },
  { key: 6, name: 'results', type: { t: 'array', of: { t: 'map', fields: ACK_RESULT_FIELDS }, max: MAX_ACK_RESULTS } },
  { key: 7, name: 'omitted', type: { t: 'uint', max: Number.MAX_SAFE_INTEGER, min: 1 }, optional: true },
];

// ---- 11. Resync request (back-office-signed, role CLEARING): re-send the journal from index `from` ----
export interface Resync {
  terminalId: string;
  from: number;
  time: number;
}
export const RESYNC_FIELDS: FieldSpec[] = [
  ...HEAD,
  { key: 2, name: 'terminalId', type: ID },
  { key: 3, name: 'from', type: { t: 'uint', max: Number.MAX_SAFE_INTEGER, min: 1 } },
  { key: 4, name: 'time', type: TIME },
];

export const FIELDS: Record<ObjectKind, FieldSpec[]> = {
  TRUST_LIST: TRUST_LIST_FIELDS,
  TERMINAL_CERT: TERMINAL_CERT_FIELDS,
  PURSE_CERT: PURSE_CERT_FIELDS,
  PAYMENT_REQUEST: PAYMENT_REQUEST_FIELDS,
  PAYMENT: PAYMENT_FIELDS,
  RECEIPT: RECEIPT_FIELDS,
  JOURNAL_RECORD: JOURNAL_RECORD_FIELDS,
  FLEET_MESSAGE: FLEET_MESSAGE_FIELDS,
  ENROLMENT_REQUEST: ENROLMENT_REQUEST_FIELDS,
  ACK: ACK_FIELDS,
  RESYNC: RESYNC_FIELDS,
};

export interface ObjectOf {
  TRUST_LIST: TrustList;
  TERMINAL_CERT: TerminalCert;
  PURSE_CERT: PurseCert;
  PAYMENT_REQUEST: PaymentRequest;
  PAYMENT: Payment;
  RECEIPT: Receipt;
  JOURNAL_RECORD: JournalRecord;
  FLEET_MESSAGE: FleetMessage;
  ENROLMENT_REQUEST: EnrolmentRequest;
  ACK: Ack;
  RESYNC: Resync;
}
