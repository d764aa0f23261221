// The closed set of reasons a payment (or any signed object) is refused, with stable numbers and texts.

/**
 * Each reason has a stable string code (logs, API, vectors), a stable number (stored in journal
 * records), a short text that fits a 20-column customer display, and a sentence for people.
 * Numbers are never reused. Terminal-side reasons (storage, limits, clock, flow) share the set so a
 * display and a journal need only one table.
 */
export const REASONS = {
  MALFORMED: { n: 1, short: 'Unreadable code', text: 'The code is not a valid Tessera object (encoding, structure or field types).' },
  TOO_LARGE: { n: 2, short: 'Unreadable code', text: 'The code is larger than any valid Tessera object.' },
  WRONG_TYPE: { n: 3, short: 'Wrong kind of code', text: 'The code is a valid Tessera object of another kind (for example a receipt, not a payment).' },
  UNSUPPORTED_VERSION: { n: 4, short: 'Update wallet', text: 'The object uses a protocol version or algorithm this terminal does not support.' },
  UNKNOWN_KEY: { n: 5, short: 'Unknown issuer', text: 'No trusted key with this key id and role signed the object.' },
  BAD_SIGNATURE: { n: 6, short: 'Invalid signature', text: 'A signature does not verify: the code was forged or altered.' },
  CERT_EXPIRED: { n: 7, short: 'Card expired', text: 'A certificate or signing key is past its validity.' },
  CERT_NOT_YET_VALID: { n: 8, short: 'Card not yet valid', text: 'A certificate or signing key is not valid yet.' },
  REVOKED: { n: 9, short: 'Card blocked', text: 'The purse is on the deny list.' },
  WRONG_CURRENCY: { n: 10, short: 'Wrong currency', text: 'The currency differs from the purse, the request or the fare.' },
  OVER_PAYMENT_LIMIT: { n: 11, short: 'Over payment limit', text: 'The amount exceeds the purse per-payment limit.' },
  OVER_OFFLINE_CAP: { n: 12, short: 'Offline limit used', text: 'The cumulative amount exceeds the purse offline cap.' },
  SEQUENCE_REPLAY: { n: 13, short: 'Code already used', text: 'This purse sequence number was already used at this terminal.' },
  CUMULATIVE_INCONSISTENT: { n: 14, short: 'Invalid payment', text: 'The cumulative amount does not add up with the amount or earlier payments.' },
  WRONG_PAYEE: { n: 15, short: 'Wrong terminal', text: 'The payment is bound to another terminal, operator or line.' },
  WRONG_REQUEST: { n: 16, short: 'Scan new request', text: 'The payment answers another, an old, or no open payment request.' },
  PAYMENT_EXPIRED: { n: 17, short: 'Code expired', text: 'The payment is outside its validity window.' },
  AMOUNT_MISMATCH: { n: 18, short: 'Amount mismatch', text: 'The amount differs from the request, or the fare exceeds the maximum authorised.' },
  CLOCK_UNTRUSTED: { n: 19, short: 'Clock not trusted', text: 'The terminal cannot trust its clock, so validity cannot be checked.' },
  ROLLBACK: { n: 20, short: 'Old update', text: 'The signed message is not newer than the one already applied.' },
  CHAIN_MISMATCH: { n: 21, short: 'Journal mismatch', text: 'An ack names a record hash that is not this terminal\'s record at that index.' },
  BEYOND_HEAD: { n: 22, short: 'Journal mismatch', text: 'An ack or resync request names an index beyond this terminal\'s journal head.' },
  // Terminal-side reasons.
  STORAGE_FAILED: { n: 40, short: 'Storage error', text: 'The payment could not be recorded durably, so it was not approved.' },
  TERMINAL_LIMIT: { n: 41, short: 'Offline limit', text: 'A terminal offline risk limit is reached; sync or pay online.' },
  TRUST_STALE: { n: 42, short: 'Terminal outdated', text: 'The trust list or deny list is older than its allowed age.' },
  NO_FARE: { n: 43, short: 'No fare set', text: 'No signed fare configuration applies now.' },
  NOT_READY: { n: 44, short: 'Not ready', text: 'The terminal is not ready for this payment.' },
} as const;

export type ReasonCode = keyof typeof REASONS;

export const REASON_CODES = Object.keys(REASONS) as ReasonCode[];

const BY_NUMBER = new Map<number, ReasonCode>(REASON_CODES.map((c) => [REASONS[c].n, c]));

export function reasonNumber(code: ReasonCode): number {
  return REASONS[code].n;
}

export function reasonFromNumber(n: number): ReasonCode | undefined {
  return BY_NUMBER.get(n);
}

export function reasonShort(code: ReasonCode): string {
  return REASONS[code].short;
}

/** The result of every verification: the object, or one reason and a detail for logs. Never a throw. */
export type Verified<T> = { ok: true; value: T } | { ok: false; reason: ReasonCode; detail: string };

export function reject<T>(reason: ReasonCode, detail: string): Verified<T> {
  return { ok: false, reason, detail };
}
