// The wallet's platform-neutral rules (purse files, balances, purse choice, request checks, signing the next payment), shared by the CLI wallet and the web app.
import { TesseraError } from '../common/errors.js';
import {
  MAX_TRANSIT_WINDOW,
  PAYEE,
  ROLE,
  TrustStore,
  decodeObject,
  equalBytes,
  fromHex,
  fromQrText,
  seal,
  signObject,
  toHex,
  toQrText,
  transactionId,
  utf8,
  verifyPaymentRequest,
  verifyPurseCert,
  verifyTrustList,
  type CryptoBackend,
  type Payment,
  type PurseCert,
  type Signer,
  type TrustList,
} from '../protocol/portable.js';

export interface WalletPurse {
  purseId: string;
  /** TK1 text. */
  purseCert: string;
  /** TL1 text of the trust list the purse came with. */
  trustList: string;
  rootPublicKey: string;
  /** Last sequence number used (0 before the first payment). */
  seq: number;
  /** Total authorised so far. */
  cumulative: number;
}

/** What a payment and its log entry share. */
export interface PaymentSummary {
  purseId: string;
  seq: number;
  cumulative: number;
  amount: number;
  currency: string;
  payeeKind: 'merchant' | 'transit';
  payee: string;
  txId: string;
}

export interface PaymentLogEntry extends PaymentSummary {
  payeeName?: string;
  time: number;
}

export interface PurseBalance {
  purseId: string;
  currency: string;
  cap: number;
  perPaymentLimit: number;
  cumulative: number;
  /** cap − cumulative authorised. */
  available: number;
  seq: number;
  notAfter: number;
  expired: boolean;
}

export interface PaymentOutput extends PaymentSummary {
  /** TP1 text to show as a QR code. */
  text: string;
  bytes: Uint8Array;
  /** Merchant mode: who the certified terminal belongs to. */
  merchant?: { terminalId: string; merchantId: string; displayName: string; reference?: string };
  validUntil?: number;
}

/** What a purse file holds (docs/protocol.md §10.1). */
export interface PurseFileJson {
  format: string;
  purseCert: string;
  trustList: string;
  rootPublicKey: string;
}

/** A verified merchant request, ready to be shown for consent and then signed. */
export interface CheckedRequest {
  purse: WalletPurse;
  amount: number;
  currency: string;
  nonce: Uint8Array;
  terminalId: string;
  merchantId: string;
  displayName: string;
  /** The certified terminal key, to verify its receipt later. */
  terminalKey: string;
  reference?: string;
}

/** The result of signing: the payment, its log entry and the purse's advanced counters (to commit before showing). */
export interface SignedNext {
  out: PaymentOutput;
  entry: PaymentLogEntry;
  purse: WalletPurse;
}

export function parsePurseFile(fileText: string): PurseFileJson {
  let f: PurseFileJson;
  try {
    f = JSON.parse(fileText) as PurseFileJson;
  } catch (e) {
    throw new TesseraError('USAGE', `purse file is not JSON: ${(e as Error).message}`);
  }
  if (!f || f.format !== 'tessera-purse/1' || typeof f.purseCert !== 'string' || typeof f.trustList !== 'string' || typeof f.rootPublicKey !== 'string') {
    throw new TesseraError('USAGE', 'not a tessera-purse/1 file');
  }
  return f;
}

/** The purse's trust list, verified against its root key. */
export function trustListOf(p: Pick<WalletPurse, 'trustList' | 'rootPublicKey'>, backend?: CryptoBackend): TrustList {
  const b = fromQrText('TRUST_LIST', p.trustList.trim());
  if (!b.ok) throw new TesseraError('VERIFICATION_FAILED', `trust list: ${b.detail}`);
  const tl = verifyTrustList(b.value, { rootPublicKey: fromHex(p.rootPublicKey), ...(backend ? { backend } : {}) });
  if (!tl.ok) throw new TesseraError('VERIFICATION_FAILED', `trust list: ${tl.reason} (${tl.detail})`);
  return tl.value.value;
}

export function trustStoreOf(p: Pick<WalletPurse, 'trustList' | 'rootPublicKey'>, backend?: CryptoBackend): TrustStore {
  return new TrustStore(trustListOf(p, backend), backend);
}

export function purseCertOf(p: Pick<WalletPurse, 'purseId' | 'purseCert'>): PurseCert {
  const b = fromQrText('PURSE_CERT', p.purseCert);
  const d = b.ok ? decodeObject('PURSE_CERT', b.value) : b;
  if (!d.ok) throw new TesseraError('CONFIG_INVALID', `stored purse ${p.purseId}: ${d.detail}`);
  return d.value.value;
}

/** Verifies a purse file (root → trust list → issuer → purse certificate, bound to `walletKey`) and returns the new purse entry. */
export function verifyPurseFile(fileText: string, walletKey: Uint8Array, now: number, backend?: CryptoBackend): WalletPurse {
  const f = parsePurseFile(fileText);
  const trust = trustStoreOf(f, backend);
  const v = verifyPurseCert(f.purseCert.trim(), { trust, now });
  if (!v.ok) throw new TesseraError('VERIFICATION_FAILED', `purse certificate refused: ${v.reason} (${v.detail})`);
  const cert = v.value.value;
  if (!equalBytes(cert.walletKey, walletKey)) throw new TesseraError('VERIFICATION_FAILED', 'the purse was issued to another wallet key');
  return { purseId: toHex(cert.purseId), purseCert: f.purseCert.trim(), trustList: f.trustList.trim(), rootPublicKey: f.rootPublicKey, seq: 0, cumulative: 0 };
}

export function balanceOf(p: WalletPurse, now: number): PurseBalance {
  const c = purseCertOf(p);
  return {
    purseId: p.purseId,
    currency: c.currency,
    cap: c.cap,
    perPaymentLimit: c.perPaymentLimit,
    cumulative: p.cumulative,
    available: c.cap - p.cumulative,
    seq: p.seq,
    notAfter: c.notAfter,
    expired: now > c.notAfter,
  };
}

/** Why a purse cannot pay (in TesseraError details.refusals), for a screen that names the cause. */
export interface PurseRefusal {
  purseId: string;
  reason: 'currency' | 'revoked' | 'expired' | 'over-limit' | 'over-available';
}

/** The first purse that can pay `amount`; otherwise INSUFFICIENT_FUNDS naming each purse's reason. */
export function choosePurse(purses: readonly WalletPurse[], amount: number, currency: string, now: number, o: { purseId?: string; isRevoked?: (purseId: string) => boolean } = {}): WalletPurse {
  const list = o.purseId ? purses.filter((p) => p.purseId === o.purseId) : purses;
  if (list.length === 0) throw new TesseraError('NOT_FOUND', o.purseId ? `no purse ${o.purseId} for this payment` : 'no purse imported');
  const why: string[] = [];
  const refusals: PurseRefusal[] = [];
  const refuse = (p: WalletPurse, reason: PurseRefusal['reason'], text: string) => {
    why.push(`${p.purseId}: ${text}`);
    refusals.push({ purseId: p.purseId, reason });
  };
  for (const p of list) {
    const b = balanceOf(p, now);
    if (b.currency !== currency) refuse(p, 'currency', `holds ${b.currency}`);
    else if (o.isRevoked?.(p.purseId)) refuse(p, 'revoked', 'revoked by the issuer');
    else if (b.expired) refuse(p, 'expired', 'expired');
    else if (amount > b.perPaymentLimit) refuse(p, 'over-limit', `${amount} is over the per-payment limit ${b.perPaymentLimit}`);
    else if (amount > b.available) refuse(p, 'over-available', `only ${b.available} left`);
    else return p;
  }
  throw new TesseraError('INSUFFICIENT_FUNDS', `no purse can pay ${amount} ${currency}: ${why.join('; ')}`, { details: { refusals } });
}

/**
 * Merchant mode, before consent: verifies the request and its terminal certificate against each
 * purse's trust list (offline), and picks the purse that will pay. Signs nothing.
 */
export function checkRequest(purses: readonly WalletPurse[], requestText: string, now: number, o: { purseId?: string; backend?: CryptoBackend; isRevoked?: (purseId: string) => boolean } = {}): CheckedRequest {
  let last = 'no purse imported';
  let reason: string | undefined;
  const candidates = purses.filter((x) => !o.purseId || x.purseId === o.purseId);
  for (const p of candidates) {
    const r = verifyPaymentRequest(requestText.trim(), { trust: trustStoreOf(p, o.backend), now });
    if (!r.ok) {
      last = `${r.reason} (${r.detail})`;
      reason = r.reason;
      continue;
    }
    const req = r.value.request.value;
    const term = r.value.terminal.value;
    const sameTrust = candidates.filter((x) => x.trustList === p.trustList);
    const purse = choosePurse(sameTrust, req.amount, req.currency, now, o.isRevoked ? { isRevoked: o.isRevoked } : {});
    return {
      purse,
      amount: req.amount,
      currency: req.currency,
      nonce: req.nonce,
      terminalId: term.terminalId,
      merchantId: term.merchantId,
      displayName: term.displayName,
      terminalKey: toHex(term.publicKey),
      ...(req.reference ? { reference: req.reference } : {}),
    };
  }
  throw new TesseraError('VERIFICATION_FAILED', `payment request refused: ${last}`, reason ? { details: { reason } } : {});
}

/** The issuer's key for sealed details (role SEALED, valid now) from the purse's trust list. */
export function sealedKeyOf(p: WalletPurse, now: number, backend?: CryptoBackend): Uint8Array {
  const k = trustListOf(p, backend).keys.find((x) => (x.roles & ROLE.SEALED) !== 0 && x.notBefore <= now && now <= x.notAfter);
  if (!k) throw new TesseraError('NOT_FOUND', 'the trust list names no key for sealed details');
  return k.publicKey;
}

/** Most plaintext a sealed box can carry in a payment (docs/protocol.md §4.11). */
export const MAX_SEALED_PLAINTEXT = 111;

/** Seals a payer note for the issuer: JSON {"note": text}, at most 111 bytes of UTF-8. */
export function sealNote(note: string, p: WalletPurse, now: number, backend?: CryptoBackend): Uint8Array {
  const plain = utf8(JSON.stringify({ note }));
  if (plain.length > MAX_SEALED_PLAINTEXT) throw new TesseraError('USAGE', `the note is too long (${plain.length} of ${MAX_SEALED_PLAINTEXT} bytes)`);
  return seal(plain, sealedKeyOf(p, now, backend));
}

/** Transit mode fields: up to `max` to an operator (and line, "*" for any) for `windowSeconds`. */
export function transitPayment(o: { operator: string; line?: string; max: number; currency: string; windowSeconds?: number }, now: number): Omit<Payment, 'purseCert' | 'seq' | 'cumulative' | 'time'> {
  if (!Number.isSafeInteger(o.max) || o.max <= 0) throw new TesseraError('USAGE', `max must be a positive integer, got ${o.max}`);
  const window = o.windowSeconds ?? 60;
  if (window <= 0 || window > MAX_TRANSIT_WINDOW) throw new TesseraError('USAGE', `window must be 1..${MAX_TRANSIT_WINDOW} seconds`);
  return { amount: o.max, currency: o.currency, payeeKind: PAYEE.transit, payee: o.operator, line: o.line ?? '*', validUntil: now + window };
}

export function merchantPayment(c: CheckedRequest, sealed?: Uint8Array): Omit<Payment, 'purseCert' | 'seq' | 'cumulative' | 'time'> {
  return { amount: c.amount, currency: c.currency, payeeKind: PAYEE.merchant, payee: c.terminalId, requestNonce: c.nonce, ...(sealed ? { sealed } : {}) };
}

/**
 * Signs the next payment of a purse in memory: seq + 1, cumulative + amount. Nothing is stored here;
 * the caller MUST commit `purse` (the advanced counters) durably before showing `out`.
 */
export async function signNext(
  p: WalletPurse,
  fields: Omit<Payment, 'purseCert' | 'seq' | 'cumulative' | 'time'>,
  key: Signer,
  now: number,
  log: Partial<PaymentLogEntry> = {},
): Promise<SignedNext> {
  const c = purseCertOf(p);
  const certBytes = fromQrText('PURSE_CERT', p.purseCert);
  if (!certBytes.ok) throw new TesseraError('CONFIG_INVALID', `stored purse certificate: ${certBytes.detail}`);
  const payment: Payment = { purseCert: certBytes.value, seq: p.seq + 1, cumulative: p.cumulative + fields.amount, time: now, ...fields };
  let bytes: Uint8Array;
  try {
    bytes = await signObject('PAYMENT', payment, key);
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    throw new TesseraError('USAGE', `invalid payment: ${(e as Error).message}`, { cause: e });
  }
  const d = decodeObject('PAYMENT', bytes);
  if (!d.ok) throw new TesseraError('PROTOCOL_ENCODE', d.detail);
  const txId = toHex(transactionId(d.value.sign1));
  const payeeKind = fields.payeeKind === PAYEE.merchant ? 'merchant' : 'transit';
  const summary: PaymentSummary = { purseId: p.purseId, seq: payment.seq, cumulative: payment.cumulative, amount: payment.amount, currency: c.currency, payeeKind, payee: payment.payee, txId };
  const entry: PaymentLogEntry = { ...summary, time: payment.time, ...log };
  const out: PaymentOutput = {
    ...summary,
    text: toQrText('PAYMENT', bytes),
    bytes,
    ...(payment.validUntil !== undefined ? { validUntil: payment.validUntil } : {}),
  };
  return { out, entry, purse: { ...p, seq: payment.seq, cumulative: payment.cumulative } };
}
