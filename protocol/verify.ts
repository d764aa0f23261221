// Verification of every signed object: bytes or QR text in, the verified object or one reason out. Never throws.
import { type Decoded, decodeObject, fromQrText, transactionId } from './codec.js';
import { verifySign1 } from './cose.js';
import { equalBytes, toHex } from './bytes.js';
import { equalKid, isKidOf, keyId } from './crypto/index.js';
import { fareFor } from './fares.js';
import { DECISION, FLEET_KIND, PAYEE, type JournalRecord, type ObjectKind, type Payment, type PurseCert, type Role, type TerminalConfigBody, type TerminalMode, type TrustedKey } from './objects.js';
import { type ReasonCode, type Verified, reject } from './reasons.js';
import type { TrustStore } from './trust.js';

/** Clock skew tolerated between a wallet and a terminal, in seconds. */
export const DEFAULT_SKEW = 120;
/** Longest transit validity window a wallet may sign (validUntil − time), in seconds. */
export const MAX_TRANSIT_WINDOW = 300;

type Input = string | Uint8Array;

export function bytesOf(kind: ObjectKind, input: string | Uint8Array): Verified<Uint8Array> {
  return typeof input === 'string' ? fromQrText(kind, input) : { ok: true, value: input };
}

const VALID: Verified<true> = { ok: true, value: true };

/** `what` is a function so the detail text is only built on failure (this runs for every payment). */
function checkValidity(what: () => string, notBefore: number, notAfter: number, now: number): Verified<true> {
  if (now < notBefore) return reject('CERT_NOT_YET_VALID', `${what()} valid from ${notBefore}, now ${now}`);
  if (now > notAfter) return reject('CERT_EXPIRED', `${what()} expired at ${notAfter}, now ${now}`);
  return VALID;
}

/**
 * An issuer-signed object and the trusted key that verified it (every key with the kid is tried: kids
 * can collide). `remember`: cache the success (objects shown again, like purse certificates); one-off
 * objects (acks) pass false so they do not push the payment path's entries out of the bounded cache.
 */
function verifyIssuedKey<K extends ObjectKind>(kind: K, bytes: Uint8Array, trust: TrustStore, role: Role, remember = true): Verified<{ d: Decoded<K>; key: TrustedKey }> {
  type Hit = { kind: K; d: Decoded<K>; key: TrustedKey };
  const hit = remember ? trust.cachedIssued<Hit>(role, bytes) : undefined;
  if (hit !== undefined && hit.kind === kind) return { ok: true, value: { d: hit.d, key: hit.key } };
  const d = decodeObject(kind, bytes);
  if (!d.ok) return d;
  const keys = trust.keysFor(d.value.sign1.kid, role);
  if (keys.length === 0) return reject('UNKNOWN_KEY', `no ${role} key with kid ${toHex(d.value.sign1.kid)}`);
  let key: TrustedKey | undefined;
  for (const k of keys) {
    if (verifySign1(d.value.sign1, k.publicKey, trust.backend)) {
      key = k;
      break;
    }
  }
  if (!key) return reject('BAD_SIGNATURE', `${kind} issuer signature`);
  if (remember) trust.rememberIssued(role, bytes, { kind, d: d.value, key } satisfies Hit);
  return { ok: true, value: { d: d.value, key } };
}

function keyValidity(key: TrustedKey, now: number): Verified<true> {
  return checkValidity(() => `issuer key ${toHex(key.kid)}`, key.notBefore, key.notAfter, now);
}

/** verifyIssuedKey, then the key's validity window at `now` when the clock is trusted. */
export function verifyIssued<K extends ObjectKind>(kind: K, bytes: Uint8Array, trust: TrustStore, role: Role, now: number | null, remember = true): Verified<Decoded<K>> {
  const r = verifyIssuedKey(kind, bytes, trust, role, remember);
  if (!r.ok) return r;
  if (now !== null) {
    const v = keyValidity(r.value.key, now);
    if (!v.ok) return v;
  }
  return { ok: true, value: r.value.d };
}

export function verifyTerminalCert(input: Input, ctx: { trust: TrustStore; now: number | null }): Verified<Decoded<'TERMINAL_CERT'>> {
  const b = bytesOf('TERMINAL_CERT', input);
  if (!b.ok) return b;
  const d = verifyIssued('TERMINAL_CERT', b.value, ctx.trust, 'TERMINALS', ctx.now);
  if (!d.ok) return d;
  if (ctx.now === null) return reject('CLOCK_UNTRUSTED', 'no trusted time');
  const c = d.value.value;
  const v = checkValidity(() => `terminal certificate ${c.terminalId}`, c.notBefore, c.notAfter, ctx.now);
  return v.ok ? d : v;
}

export function verifyPurseCert(input: Input, ctx: { trust: TrustStore; now: number | null }): Verified<Decoded<'PURSE_CERT'>> {
  const b = bytesOf('PURSE_CERT', input);
  if (!b.ok) return b;
  const d = verifyIssued('PURSE_CERT', b.value, ctx.trust, 'PURSES', ctx.now);
  if (!d.ok) return d;
  if (ctx.now === null) return reject('CLOCK_UNTRUSTED', 'no trusted time');
  const c = d.value.value;
  const v = checkValidity(() => 'purse certificate', c.notBefore, c.notAfter, ctx.now);
  return v.ok ? d : v;
}

export interface VerifiedRequest {
  request: Decoded<'PAYMENT_REQUEST'>;
  terminal: Decoded<'TERMINAL_CERT'>;
}

/** Wallet side: a terminal's payment request, its certificate chained to the trust list, and its freshness. */
export function verifyPaymentRequest(
  input: Input,
  ctx: { trust: TrustStore; now: number; maxAgeSeconds?: number; skew?: number },
): Verified<VerifiedRequest> {
  const b = bytesOf('PAYMENT_REQUEST', input);
  if (!b.ok) return b;
  const r = decodeObject('PAYMENT_REQUEST', b.value);
  if (!r.ok) return r;
  const t = verifyTerminalCert(r.value.value.terminalCert, ctx);
  if (!t.ok) return t;
  if (!verifySign1(r.value.sign1, t.value.value.publicKey, ctx.trust.backend)) return reject('BAD_SIGNATURE', 'request signature');
  if (!equalKid(r.value.sign1.kid, keyId(t.value.value.publicKey))) return reject('BAD_SIGNATURE', 'request kid is not the terminal key');
  if (t.value.value.mode !== 'merchant') return reject('WRONG_PAYEE', 'requests come from merchant terminals only');
  const skew = ctx.skew ?? DEFAULT_SKEW;
  const age = ctx.now - r.value.value.time;
  if (age > (ctx.maxAgeSeconds ?? 600) || age < -skew) return reject('WRONG_REQUEST', `request time ${r.value.value.time} is stale or in the future`);
  return { ok: true, value: { request: r.value, terminal: t.value } };
}

export interface PaymentContext {
  trust: TrustStore;
  /** Trusted time in seconds, or null when the terminal cannot trust its clock. */
  now: number | null;
  terminal: { id: string; mode: TerminalMode; operatorId: string; line?: string };
  /** Merchant mode: the open request, if any. */
  request?: { nonce: Uint8Array; amount: number; currency: string; expiresAt: number };
  /** Transit mode: the signed terminal config with the fare table. */
  fares?: TerminalConfigBody;
  isDenied?: (purseId: Uint8Array) => boolean;
  /** What this terminal last accepted from the purse, if anything. */
  purse?: { lastSeq: number; lastCumulative: number };
  skew?: number;
}

export interface VerifiedPayment {
  decoded: Decoded<'PAYMENT'>;
  payment: Payment;
  purse: PurseCert;
  txId: Uint8Array;
  /** What to charge: the request amount (merchant) or the fare (transit). */
  charge: number;
}

/** Failure with whatever could be learnt before it (for the journal and for re-read recognition). */
export type PaymentResult =
  | { ok: true; value: VerifiedPayment }
  | { ok: false; reason: ReasonCode; detail: string; txId?: Uint8Array; purseId?: Uint8Array; seq?: number };

/** The payment verification algorithm, in the order documented in docs/protocol.md §Verifying a payment. */
export function verifyPayment(input: Input, ctx: PaymentContext): PaymentResult;
/**
 * The same, for a caller that already decoded these exact bytes (`decodeObject('PAYMENT', bytes)`)
 * and took their transaction id: a terminal decodes a scan once to recognise re-reads before it
 * verifies, and need not pay for decoding and hashing twice on every decision.
 */
export function verifyPayment(input: Uint8Array, ctx: PaymentContext, decoded: { decoded: Decoded<'PAYMENT'>; txId: Uint8Array }): PaymentResult;
export function verifyPayment(input: Input, ctx: PaymentContext, pre?: { decoded: Decoded<'PAYMENT'>; txId: Uint8Array }): PaymentResult {
  let d: Verified<Decoded<'PAYMENT'>>;
  if (pre) d = { ok: true, value: pre.decoded };
  else {
    const b = bytesOf('PAYMENT', input);
    if (!b.ok) return b;
    d = decodeObject('PAYMENT', b.value);
    if (!d.ok) return d;
  }
  const p = d.value.value;
  const txId = pre?.txId ?? transactionId(d.value.sign1);
  const fail = (reason: ReasonCode, detail: string, purse?: PurseCert): PaymentResult => ({
    ok: false,
    reason,
    detail,
    txId,
    seq: p.seq,
    ...(purse ? { purseId: purse.purseId } : {}),
  });

  // Structure of the payee binding.
  if (p.payeeKind === PAYEE.merchant) {
    if (!p.requestNonce || p.line !== undefined || p.validUntil !== undefined) return fail('MALFORMED', 'merchant binding needs a nonce and no transit fields');
  } else if (!p.line || p.validUntil === undefined || p.requestNonce !== undefined) {
    return fail('MALFORMED', 'transit binding needs line and validUntil and no nonce');
  }

  // Signatures: the issuer's over the purse certificate, the purse's over the payment.
  const pc = verifyIssuedKey('PURSE_CERT', p.purseCert, ctx.trust, 'PURSES');
  if (!pc.ok) return fail(pc.reason, `purse certificate: ${pc.detail}`);
  const purse = pc.value.d.value;
  if (!verifySign1(d.value.sign1, purse.walletKey, ctx.trust.backend)) return fail('BAD_SIGNATURE', 'payment signature', purse);
  if (!isKidOf(d.value.sign1.kid, purse.walletKey)) return fail('BAD_SIGNATURE', 'payment kid is not the wallet key', purse);

  // Time: every validity check below needs a trusted clock.
  const now = ctx.now;
  if (now === null) return fail('CLOCK_UNTRUSTED', 'no trusted time', purse);
  const issuer = keyValidity(pc.value.key, now);
  if (!issuer.ok) return fail(issuer.reason, issuer.detail, purse);
  const v = checkValidity(() => 'purse certificate', purse.notBefore, purse.notAfter, now);
  if (!v.ok) return fail(v.reason, v.detail, purse);

  if (ctx.isDenied?.(purse.purseId)) return fail('REVOKED', `purse ${toHex(purse.purseId)} is on the deny list`, purse);

  // Money.
  if (p.currency !== purse.currency) return fail('WRONG_CURRENCY', `payment ${p.currency}, purse ${purse.currency}`, purse);
  if (p.amount > purse.perPaymentLimit) return fail('OVER_PAYMENT_LIMIT', `${p.amount} > ${purse.perPaymentLimit}`, purse);
  if (p.cumulative > purse.cap) return fail('OVER_OFFLINE_CAP', `cumulative ${p.cumulative} > cap ${purse.cap}`, purse);
  if (p.cumulative < p.amount) return fail('CUMULATIVE_INCONSISTENT', `cumulative ${p.cumulative} < amount ${p.amount}`, purse);

  // Payee binding.
  const skew = ctx.skew ?? DEFAULT_SKEW;
  let charge: number;
  if (ctx.terminal.mode === 'merchant') {
    if (p.payeeKind !== PAYEE.merchant || p.payee !== ctx.terminal.id) return fail('WRONG_PAYEE', `payee ${p.payee}, terminal ${ctx.terminal.id}`, purse);
    const r = ctx.request;
    if (!r) return fail('WRONG_REQUEST', 'no open payment request', purse);
    if (!equalBytes(r.nonce, p.requestNonce as Uint8Array)) return fail('WRONG_REQUEST', 'nonce of another request', purse);
    if (now > r.expiresAt) return fail('WRONG_REQUEST', 'the request has expired', purse);
    if (p.currency !== r.currency) return fail('WRONG_CURRENCY', `request ${r.currency}, payment ${p.currency}`, purse);
    if (p.amount !== r.amount) return fail('AMOUNT_MISMATCH', `request ${r.amount}, payment ${p.amount}`, purse);
    charge = p.amount;
  } else {
    if (p.payeeKind !== PAYEE.transit || p.payee !== ctx.terminal.operatorId) return fail('WRONG_PAYEE', `operator ${p.payee}, terminal ${ctx.terminal.operatorId}`, purse);
    if (p.line !== '*' && p.line !== ctx.terminal.line) return fail('WRONG_PAYEE', `line ${String(p.line)}, terminal ${String(ctx.terminal.line)}`, purse);
    const until = p.validUntil as number;
    if (until - p.time > MAX_TRANSIT_WINDOW || until < p.time) return fail('PAYMENT_EXPIRED', `window ${until - p.time}s`, purse);
    if (now > until + skew) return fail('PAYMENT_EXPIRED', `valid until ${until}, now ${now}`, purse);
    if (p.time > now + skew) return fail('PAYMENT_EXPIRED', `signed in the future (${p.time} > ${now})`, purse);
    const fare = ctx.fares && ctx.fares.currency === p.currency ? fareFor(ctx.fares, now) : undefined;
    if (ctx.fares && ctx.fares.currency !== p.currency) return fail('WRONG_CURRENCY', `fare ${ctx.fares.currency}, payment ${p.currency}`, purse);
    if (fare === undefined) return fail('NO_FARE', 'no fare applies now', purse);
    if (fare > p.amount) return fail('AMOUNT_MISMATCH', `fare ${fare} > authorised ${p.amount}`, purse);
    charge = fare;
  }

  // Sequence and cumulative against what this terminal saw of the purse.
  const s = ctx.purse;
  if (s) {
    if (p.seq <= s.lastSeq) return fail('SEQUENCE_REPLAY', `seq ${p.seq} ≤ last ${s.lastSeq}`, purse);
    const expected = s.lastCumulative + p.amount;
    if (p.seq === s.lastSeq + 1 ? p.cumulative !== expected : p.cumulative < expected) {
      return fail('CUMULATIVE_INCONSISTENT', `seq ${p.seq} cumulative ${p.cumulative}, last ${s.lastSeq}/${s.lastCumulative}`, purse);
    }
  }
  return { ok: true, value: { decoded: d.value, payment: p, purse, txId, charge } };
}

/** A terminal-signed object (receipt, journal record, request) under a known terminal key. */
function verifyByKey<K extends ObjectKind>(kind: K, input: Input, publicKey: Uint8Array, trust: Pick<TrustStore, 'backend'>): Verified<Decoded<K>> {
  const b = bytesOf(kind, input);
  if (!b.ok) return b;
  const d = decodeObject(kind, b.value);
  if (!d.ok) return d;
  if (!equalKid(d.value.sign1.kid, keyId(publicKey))) return reject('UNKNOWN_KEY', `${kind} not signed by the expected key`);
  if (!verifySign1(d.value.sign1, publicKey, trust.backend)) return reject('BAD_SIGNATURE', `${kind} signature`);
  return d;
}

export function verifyReceipt(input: Input, ctx: { terminalPublicKey: Uint8Array; trust: Pick<TrustStore, 'backend'> }): Verified<Decoded<'RECEIPT'>> {
  return verifyByKey('RECEIPT', input, ctx.terminalPublicKey, ctx.trust);
}

export function verifyJournalRecord(
  input: Input,
  ctx: { terminalPublicKey: Uint8Array; terminalId?: string; trust: Pick<TrustStore, 'backend'> },
): Verified<Decoded<'JOURNAL_RECORD'>> {
  const d = verifyByKey('JOURNAL_RECORD', input, ctx.terminalPublicKey, ctx.trust);
  if (!d.ok) return d;
  const shape = journalShapeProblem(d.value.value);
  if (shape) return reject('MALFORMED', shape);
  if (ctx.terminalId !== undefined && d.value.value.terminalId !== ctx.terminalId) {
    return reject('WRONG_PAYEE', `record of ${d.value.value.terminalId}, expected ${ctx.terminalId}`);
  }
  return d;
}

/**
 * A journal record is either a decision on a payment (key 6, none of keys 12–15) or an adjustment
 * of an earlier payment (keys 12, 13 and 14, no key 6): approved, reason 0, a positive amount.
 */
export function journalShapeProblem(r: JournalRecord): string | undefined {
  if (r.adjustment === undefined) {
    if (r.payment === undefined) return 'a decision record carries the payment';
    if (r.original !== undefined || r.currency !== undefined || r.note !== undefined) return 'original, currency and note belong to adjustment records only';
    return undefined;
  }
  if (r.payment !== undefined) return 'an adjustment record carries no payment';
  if (r.original === undefined || r.currency === undefined) return 'an adjustment record names the original transaction and the currency';
  if (r.decision !== DECISION.approved || r.reason !== 0) return 'an adjustment record is approved with reason 0';
  if (r.amountCharged < 1) return 'an adjustment record gives back a positive amount';
  return undefined;
}

/** Self-signed proof that the requester holds the terminal key (the back office checks it before issuing). */
export function verifyEnrolmentRequest(input: Input, ctx: { trust: Pick<TrustStore, 'backend'> }): Verified<Decoded<'ENROLMENT_REQUEST'>> {
  const b = bytesOf('ENROLMENT_REQUEST', input);
  if (!b.ok) return b;
  const d = decodeObject('ENROLMENT_REQUEST', b.value);
  if (!d.ok) return d;
  return verifyByKey('ENROLMENT_REQUEST', b.value, d.value.value.publicKey, ctx.trust);
}

/**
 * Fleet messages: issuer-signed (role FLEET), well-formed for their kind, addressed to this terminal
 * or the fleet, and strictly newer than the version applied (no rollback).
 */
export function verifyFleetMessage(
  input: Input,
  ctx: { trust: TrustStore; now: number | null; terminalId?: string; appliedVersion?: number },
): Verified<Decoded<'FLEET_MESSAGE'>> {
  const b = bytesOf('FLEET_MESSAGE', input);
  if (!b.ok) return b;
  const d = verifyIssued('FLEET_MESSAGE', b.value, ctx.trust, 'FLEET', ctx.now);
  if (!d.ok) return d;
  const m = d.value.value;
  if (m.kind === FLEET_KIND.denylist ? !m.denylist || m.config : !m.config || m.denylist) return reject('MALFORMED', 'body does not match the kind');
  if (m.target !== undefined && ctx.terminalId !== undefined && m.target !== ctx.terminalId) return reject('WRONG_PAYEE', `addressed to ${m.target}`);
  if (ctx.appliedVersion !== undefined && m.version <= ctx.appliedVersion) return reject('ROLLBACK', `version ${m.version} ≤ applied ${ctx.appliedVersion}`);
  return d;
}
