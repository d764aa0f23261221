// Builds the protocol test vectors from fixed seeds (noble signs with RFC 6979: byte-identical on every run) and runs them.
import { ADJUSTMENT, type CborMap, type CborValue, type CryptoBackend, type Payment, type PaymentContext, type Signer, type TerminalConfigBody, COSE_SIGN1_TAG, DECISION, ENROLMENT_REQUEST_FIELDS, KeySigner, NobleBackend, PAYMENT_FIELDS, TYPE, TrustStore, decodeObject, decodeSign1, encodeCbor, encodeFields, encodePayload, fromHex, fromQrText, P256_N, bigintTo32, protectedHeader, recordHash, sigStructure, signObject, toHex, toQrText, transactionId, verifyEnrolmentRequest, verifyFleetMessage, verifyJournalRecord, verifyPayment, verifyPaymentRequest, verifyPurseCert, verifyReceipt, verifyTerminalCert, verifyTrustList, verifyAck, verifyResync, ACK_FIELDS, DAY, type ObjectKind, PREFIX, base45Decode } from '#protocol';
import { createTestWorld, seededBytes, seededSecret, transitFields } from '#protocol/testkit';

export type VerifyFunction =
  | 'verifyPayment'
  | 'verifyPaymentRequest'
  | 'verifyFleetMessage'
  | 'verifyTrustList'
  | 'verifyTerminalCert'
  | 'verifyPurseCert'
  | 'verifyReceipt'
  | 'verifyJournalRecord'
  | 'verifyEnrolmentRequest'
  | 'verifyAck'
  | 'verifyResync';

/** Everything a verifier needs besides the code, as JSON (byte strings as hex). */
export interface VectorContext {
  now?: number | null;
  terminal?: { id: string; mode: 'merchant' | 'transit'; operatorId: string; line?: string };
  request?: { nonce: string; amount: number; currency: string; expiresAt: number };
  fares?: TerminalConfigBody;
  denylist?: string[];
  purse?: { lastSeq: number; lastCumulative: number };
  maxAgeSeconds?: number;
  terminalId?: string;
  appliedVersion?: number;
  terminalPublicKey?: string;
  rootPublicKey?: string;
  /** Ack and resync: the verifying terminal's journal head and its record hashes by index (hex). */
  journalHead?: number;
  journalHashes?: Record<string, string>;
  /** Resync: `time` of the last request acted on. */
  lastResyncTime?: number;
}

export interface Vector {
  name: string;
  description: string;
  function: VerifyFunction;
  /** The QR text; `input: "bytes"` means the verifier is given its Base45-decoded bytes (how MQTT delivers fleet messages). */
  qr: string;
  input: 'text' | 'bytes';
  context: VectorContext;
  expect: { ok: true; txId?: string; charge?: number } | { ok: false; reason: string };
}

export interface VectorFile {
  format: 'tessera-vectors/1';
  description: string;
  cases: Vector[];
}

export interface KeysFile {
  format: 'tessera-vectors/1';
  description: string;
  now: number;
  rootPublicKey: string;
  issuerPublicKey: string;
  sealedPublicKey: string;
  clearingPublicKey: string;
  terminalPublicKey: string;
  transitTerminalPublicKey: string;
  trustList: string;
}

/** Signs an arbitrary payload map (for invalid-but-signed objects), optionally with a foreign alg or kid. */
async function signRaw(payload: CborMap | Uint8Array, signer: Signer, o: { alg?: number; kid?: Uint8Array } = {}): Promise<Uint8Array> {
  const body = payload instanceof Uint8Array ? payload : encodeCbor(payload);
  const prot =
    o.alg !== undefined
      ? encodeCbor(
          new Map<number, CborValue>([
            [1, o.alg],
            [4, o.kid ?? signer.kid],
          ]),
        )
      : protectedHeader(o.kid ?? signer.kid);
  const sig = await signer.sign(sigStructure(prot, body));
  return encodeCbor({ tag: COSE_SIGN1_TAG, value: [prot, new Map(), body, sig] });
}

function paymentMap(p: Payment, extra: [number, CborValue][] = []): CborMap {
  const m = encodeFields({ type: TYPE.PAYMENT, v: 1, ...p } as unknown as Record<string, unknown>, PAYMENT_FIELDS);
  for (const [k, v] of extra) m.set(k, v);
  return m;
}

function withSignature(bytes: Uint8Array, f: (sig: Uint8Array) => Uint8Array): Uint8Array {
  const s = decodeSign1(bytes);
  return encodeCbor({ tag: COSE_SIGN1_TAG, value: [s.protectedBytes, new Map(), s.payload, f(s.signature)] });
}

function highS(sig: Uint8Array): Uint8Array {
  let s = 0n;
  for (const b of sig.subarray(32)) s = (s << 8n) | BigInt(b);
  const out = new Uint8Array(64);
  out.set(sig.subarray(0, 32));
  out.set(bigintTo32(P256_N - s), 32);
  return out;
}

const qr = (kind: ObjectKind, b: Uint8Array) => toQrText(kind, b);

export async function buildVectors(): Promise<{ keys: KeysFile; files: Record<string, VectorFile> }> {
  const w = await createTestWorld({ seed: 'vectors' });
  const now = w.now;
  const signing = new NobleBackend();
  const rogue = new KeySigner(seededSecret('vectors/rogue-issuer'), signing);
  const merchant = await w.terminalCert();
  const transitT = await w.terminalCert({ terminalId: 'V-0042', merchantId: 'OP-METRO', displayName: 'Metro line 1', mode: 'transit' });
  const purse = await w.purse({ seed: 'alice' });
  const nonce = seededBytes('vectors/nonce', 16);
  const hex = toHex;

  const mTerminal = { id: 'T-0001', mode: 'merchant' as const, operatorId: 'M-CAFE' };
  const tTerminal = { id: 'V-0042', mode: 'transit' as const, operatorId: 'OP-METRO', line: 'L1' };
  const request = { nonce: hex(nonce), amount: 450, currency: 'EUR', expiresAt: now + 60 };
  const flat: TerminalConfigBody = { currency: 'EUR', operatorId: 'OP-METRO', line: 'L1', zone: 2, utcOffsetMinutes: 60, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 250 }] };
  const banded: TerminalConfigBody = {
    currency: 'EUR',
    operatorId: 'OP-METRO',
    line: 'L1',
    zone: 2,
    utcOffsetMinutes: 60,
    fares: [
      { zone: 1, fromMinute: 0, toMinute: 1440, fare: 100 },
      { zone: 2, fromMinute: 0, toMinute: 600, fare: 180 },
      { zone: 2, fromMinute: 600, toMinute: 1440, fare: 220 },
    ],
  };
  const mctx = (o: Partial<VectorContext> = {}): VectorContext => ({ now, terminal: mTerminal, request, ...o });
  const tctx = (o: Partial<VectorContext> = {}): VectorContext => ({ now, terminal: tTerminal, fares: flat, ...o });

  const pay = (o: Partial<Payment> = {}, p = purse, sealed?: Uint8Array) => w.payment(p, { requestNonce: nonce, ...o }, sealed);
  const good = await pay();
  const transit = await w.payment(purse, transitFields(now, {}));
  const goodPayment = good.payment;

  const cases: Vector[] = [];
  const add = (v: Omit<Vector, 'input'> & { input?: 'text' | 'bytes' }) => cases.push({ input: 'text', ...v });
  const fail = (reason: string) => ({ ok: false as const, reason });
  const vp = 'verifyPayment' as const;

  // ---- valid payments ----
  add({ name: 'payment-merchant-valid', description: 'A merchant-mode payment answering the open request', function: vp, qr: good.text, context: mctx(), expect: { ok: true, txId: hex(transactionId(decodeSign1(good.bytes))), charge: 450 } });
  const sealed = await pay({}, purse, new TextEncoder().encode('{"basket":"2 coffees"}'));
  add({ name: 'payment-merchant-sealed-valid', description: 'A merchant payment with ECIES-sealed details for the issuer', function: vp, qr: sealed.text, context: mctx(), expect: { ok: true, txId: hex(transactionId(decodeSign1(sealed.bytes))), charge: 450 } });
  add({ name: 'payment-transit-valid', description: 'A transit payment (any line of the operator, max 300) charged the flat fare', function: vp, qr: transit.text, context: tctx(), expect: { ok: true, txId: hex(transactionId(decodeSign1(transit.bytes))), charge: 250 } });
  // now = 1_800_000_000 → 08:00 UTC, 09:00 local at +60: zone 2 before minute 600 → 180.
  add({ name: 'payment-transit-banded-fare', description: 'Transit fare from zone and time band (09:00 local, zone 2)', function: vp, qr: transit.text, context: tctx({ fares: banded }), expect: { ok: true, txId: hex(transactionId(decodeSign1(transit.bytes))), charge: 180 } });
  add({ name: 'payment-merchant-next-seq', description: 'seq 2 right after seq 1 with cumulative = last + amount', function: vp, qr: (await pay({ seq: 2, cumulative: 900 })).text, context: mctx({ purse: { lastSeq: 1, lastCumulative: 450 } }), expect: { ok: true, charge: 450 } });
  add({ name: 'payment-seq-gap', description: 'A gap in seq (payments made elsewhere) needs cumulative ≥ last + amount', function: vp, qr: (await pay({ seq: 5, cumulative: 2000 })).text, context: mctx({ purse: { lastSeq: 1, lastCumulative: 450 } }), expect: { ok: true, charge: 450 } });

  // ---- encoding ----
  add({ name: 'malformed-base45', description: 'Lower-case letters are not Base45', function: vp, qr: 'TP1:' + good.text.slice(4, 40).toLowerCase(), context: mctx(), expect: fail('MALFORMED') });
  add({ name: 'malformed-prefix', description: 'Unknown prefix', function: vp, qr: 'XX1:' + good.text.slice(4), context: mctx(), expect: fail('MALFORMED') });
  add({ name: 'malformed-trailing-byte', description: 'One byte after the COSE structure', function: vp, qr: qr('PAYMENT', Uint8Array.from([...good.bytes, 0])), context: mctx(), expect: fail('MALFORMED') });
  add({ name: 'malformed-untagged', description: 'COSE_Sign1 without tag 18', function: vp, qr: qr('PAYMENT', good.bytes.subarray(1)), context: mctx(), expect: fail('MALFORMED') });
  add({ name: 'malformed-truncated', description: 'The last byte of the signature missing', function: vp, qr: qr('PAYMENT', good.bytes.subarray(0, good.bytes.length - 1)), context: mctx(), expect: fail('MALFORMED') });
  add({ name: 'malformed-critical-key', description: 'A signed payment with unknown critical key 50', function: vp, qr: qr('PAYMENT', await signRaw(paymentMap(goodPayment, [[50, 1]]), purse.key)), context: mctx(), expect: fail('MALFORMED') });
  const { requestNonce: _n, ...noNonce } = goodPayment;
  add({ name: 'malformed-merchant-without-nonce', description: 'Merchant binding without a request nonce', function: vp, qr: qr('PAYMENT', await signRaw(paymentMap(noNonce as Payment), purse.key)), context: mctx(), expect: fail('MALFORMED') });
  const nonCanon = encodeCbor(paymentMap(goodPayment));
  // Re-encode the seq (key 3, value 1) as a two-byte integer 0x18 0x01: non-shortest form.
  const i3 = nonCanon.indexOf(0x03, 20);
  const nonShortest = Uint8Array.from([...nonCanon.subarray(0, i3 + 1), 0x18, ...nonCanon.subarray(i3 + 1)]);
  add({ name: 'malformed-non-shortest-int', description: 'seq encoded as 0x18 0x01 (not shortest), correctly signed', function: vp, qr: qr('PAYMENT', await signRaw(nonShortest, purse.key)), context: mctx(), expect: fail('MALFORMED') });
  add({ name: 'too-large-text', description: 'QR text longer than any payment can be', function: vp, qr: 'TP1:' + '0'.repeat(1200), context: mctx(), expect: fail('TOO_LARGE') });
  add({ name: 'wrong-type-prefix', description: 'A receipt code shown to the payment scanner', function: vp, qr: 'TR1:' + good.text.slice(4), context: mctx(), expect: fail('WRONG_TYPE') });
  add({ name: 'wrong-type-content', description: 'A purse certificate inside a TP1: prefix', function: vp, qr: qr('PAYMENT', purse.bytes), context: mctx(), expect: fail('WRONG_TYPE') });
  add({ name: 'unsupported-version', description: 'A payment with v = 2', function: vp, qr: qr('PAYMENT', await signRaw(new Map([...paymentMap(goodPayment)].map(([k, v]) => [k, k === 1 ? 2 : v])), purse.key)), context: mctx(), expect: fail('UNSUPPORTED_VERSION') });
  add({ name: 'unsupported-alg', description: 'alg ES384 (-35) in the protected header', function: vp, qr: qr('PAYMENT', await signRaw(paymentMap(goodPayment), purse.key, { alg: -35 })), context: mctx(), expect: fail('UNSUPPORTED_VERSION') });

  // ---- keys and signatures ----
  const roguePurseBytes = await signObject('PURSE_CERT', purse.cert, rogue);
  add({ name: 'unknown-issuer', description: 'Purse certificate signed by a key not in the trust list', function: vp, qr: (await pay({ purseCert: roguePurseBytes })).text, context: mctx(), expect: fail('UNKNOWN_KEY') });
  add({ name: 'bad-signature-payment', description: 'Payment signature r altered (still canonical)', function: vp, qr: qr('PAYMENT', withSignature(good.bytes, (s) => Uint8Array.from(s, (b, i) => (i === 31 ? b ^ 1 : b)))), context: mctx(), expect: fail('BAD_SIGNATURE') });
  add({ name: 'bad-signature-high-s', description: 'The high-S twin of the valid signature (valid ECDSA, refused: one payment, one encoding)', function: vp, qr: qr('PAYMENT', withSignature(good.bytes, highS)), context: mctx(), expect: fail('BAD_SIGNATURE') });
  const forgedCert = withSignature(purse.bytes, (s) => Uint8Array.from(s, (b, i) => (i === 5 ? b ^ 0x80 : b)));
  add({ name: 'bad-signature-purse-cert', description: 'Purse certificate with an altered issuer signature', function: vp, qr: (await pay({ purseCert: forgedCert })).text, context: mctx(), expect: fail('BAD_SIGNATURE') });
  add({ name: 'bad-signature-kid', description: 'Signed by the wallet key but naming another kid', function: vp, qr: qr('PAYMENT', await signRaw(paymentMap(goodPayment), purse.key, { kid: rogue.kid })), context: mctx(), expect: fail('BAD_SIGNATURE') });
  const otherWallet = new KeySigner(seededSecret('vectors/mallory'), signing);
  add({ name: 'bad-signature-other-wallet', description: "Alice's certificate, payment signed by another key", function: vp, qr: qr('PAYMENT', await signRaw(paymentMap(goodPayment), otherWallet, { kid: purse.key.kid })), context: mctx(), expect: fail('BAD_SIGNATURE') });

  // ---- time ----
  const expired = await w.purse({ seed: 'expired', notBefore: now - 100 * DAY, notAfter: now - 1 });
  add({ name: 'cert-expired', description: 'Purse certificate expired one second ago', function: vp, qr: (await pay({}, expired)).text, context: mctx(), expect: fail('CERT_EXPIRED') });
  const future = await w.purse({ seed: 'future', notBefore: now + 3600 });
  add({ name: 'cert-not-yet-valid', description: 'Purse certificate valid from in an hour', function: vp, qr: (await pay({}, future)).text, context: mctx(), expect: fail('CERT_NOT_YET_VALID') });
  const longPurse = await w.purse({ seed: 'long', notAfter: now + 800 * DAY });
  add({ name: 'issuer-key-expired', description: 'The issuer key is past its validity (purse certificate still valid)', function: vp, qr: (await pay({ time: now + 400 * DAY }, longPurse)).text, context: mctx({ now: now + 400 * DAY, request: { ...request, expiresAt: now + 400 * DAY + 60 } }), expect: fail('CERT_EXPIRED') });
  add({ name: 'clock-untrusted', description: 'The terminal has no trusted time', function: vp, qr: good.text, context: mctx({ now: null }), expect: fail('CLOCK_UNTRUSTED') });

  // ---- purse ----
  add({ name: 'revoked', description: 'The purse is on the deny list', function: vp, qr: good.text, context: mctx({ denylist: [hex(purse.cert.purseId)] }), expect: fail('REVOKED') });
  add({ name: 'wrong-currency-purse', description: 'USD payment from a EUR purse', function: vp, qr: (await pay({ currency: 'USD' })).text, context: mctx({ request: { ...request, currency: 'USD' } }), expect: fail('WRONG_CURRENCY') });
  add({ name: 'wrong-currency-request', description: 'EUR payment for a USD request', function: vp, qr: good.text, context: mctx({ request: { ...request, currency: 'USD' } }), expect: fail('WRONG_CURRENCY') });
  add({ name: 'over-payment-limit', description: '3000 > per-payment limit 2500', function: vp, qr: (await pay({ amount: 3000, cumulative: 3000 })).text, context: mctx({ request: { ...request, amount: 3000 } }), expect: fail('OVER_PAYMENT_LIMIT') });
  add({ name: 'over-offline-cap', description: 'cumulative 10050 > cap 10000', function: vp, qr: (await pay({ seq: 30, cumulative: 10_050 })).text, context: mctx(), expect: fail('OVER_OFFLINE_CAP') });
  add({ name: 'cumulative-below-amount', description: 'cumulative 100 < amount 450', function: vp, qr: (await pay({ cumulative: 100 })).text, context: mctx(), expect: fail('CUMULATIVE_INCONSISTENT') });
  add({ name: 'cumulative-not-adding-up', description: 'seq = last + 1 but cumulative ≠ last cumulative + amount', function: vp, qr: (await pay({ seq: 2, cumulative: 800 })).text, context: mctx({ purse: { lastSeq: 1, lastCumulative: 450 } }), expect: fail('CUMULATIVE_INCONSISTENT') });
  add({ name: 'sequence-replay', description: 'seq 1 already accepted from this purse', function: vp, qr: good.text, context: mctx({ purse: { lastSeq: 1, lastCumulative: 450 } }), expect: fail('SEQUENCE_REPLAY') });

  // ---- payee, request, transit ----
  add({ name: 'wrong-payee-terminal', description: 'Bound to terminal T-0002', function: vp, qr: (await pay({ payee: 'T-0002' })).text, context: mctx(), expect: fail('WRONG_PAYEE') });
  add({ name: 'wrong-payee-transit-at-merchant', description: 'A transit payment shown at a merchant terminal', function: vp, qr: transit.text, context: mctx(), expect: fail('WRONG_PAYEE') });
  add({ name: 'wrong-payee-line', description: 'A line-L2 transit payment at a line-L1 validator', function: vp, qr: (await w.payment(purse, transitFields(now, { line: 'L2' }))).text, context: tctx(), expect: fail('WRONG_PAYEE') });
  add({ name: 'wrong-payee-operator', description: 'Another operator', function: vp, qr: (await w.payment(purse, transitFields(now, { operator: 'OP-BUS' }))).text, context: tctx(), expect: fail('WRONG_PAYEE') });
  add({ name: 'wrong-request-none-open', description: 'No payment request is open', function: vp, qr: good.text, context: mctx({ request: undefined }), expect: fail('WRONG_REQUEST') });
  add({ name: 'wrong-request-nonce', description: 'The nonce of another request', function: vp, qr: good.text, context: mctx({ request: { ...request, nonce: hex(seededBytes('vectors/other-nonce', 16)) } }), expect: fail('WRONG_REQUEST') });
  add({ name: 'wrong-request-expired', description: 'The open request expired', function: vp, qr: good.text, context: mctx({ request: { ...request, expiresAt: now - 1 } }), expect: fail('WRONG_REQUEST') });
  add({ name: 'amount-mismatch-request', description: 'Request 500, payment 450', function: vp, qr: good.text, context: mctx({ request: { ...request, amount: 500 } }), expect: fail('AMOUNT_MISMATCH') });
  add({ name: 'amount-mismatch-fare', description: 'Fare 400 above the authorised 300', function: vp, qr: transit.text, context: tctx({ fares: { ...flat, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 400 }] } }), expect: fail('AMOUNT_MISMATCH') });
  add({ name: 'payment-expired', description: 'Transit code shown after validUntil + skew', function: vp, qr: transit.text, context: tctx({ now: now + 60 + 121 }), expect: fail('PAYMENT_EXPIRED') });
  add({ name: 'payment-expired-window', description: 'A transit window longer than 300 s', function: vp, qr: (await w.payment(purse, transitFields(now, { window: 301 }))).text, context: tctx(), expect: fail('PAYMENT_EXPIRED') });
  add({ name: 'payment-from-future', description: 'Transit code signed more than the skew ahead of the terminal', function: vp, qr: (await w.payment(purse, transitFields(now + 600, {}))).text, context: tctx(), expect: fail('PAYMENT_EXPIRED') });
  add({ name: 'no-fare-table', description: 'A transit validator without fare configuration', function: vp, qr: transit.text, context: tctx({ fares: undefined }), expect: fail('NO_FARE') });
  add({ name: 'no-fare-band', description: 'No fare rule covers this zone and time', function: vp, qr: transit.text, context: tctx({ fares: { ...flat, fares: [{ zone: 2, fromMinute: 0, toMinute: 60, fare: 100 }] } }), expect: fail('NO_FARE') });
  add({ name: 'wrong-currency-fare', description: 'Fare table in CHF, payment in EUR', function: vp, qr: transit.text, context: tctx({ fares: { ...flat, currency: 'CHF' } }), expect: fail('WRONG_CURRENCY') });

  // ---- payment requests (wallet side) ----
  const vr = 'verifyPaymentRequest' as const;
  const reqObj = { terminalCert: merchant.bytes, amount: 450, currency: 'EUR', nonce, time: now - 5, reference: 'order-17' };
  const req = await signObject('PAYMENT_REQUEST', reqObj, merchant.key);
  const rctx = (o: Partial<VectorContext> = {}): VectorContext => ({ now, ...o });
  add({ name: 'request-valid', description: 'A fresh request from a certified merchant terminal', function: vr, qr: qr('PAYMENT_REQUEST', req), context: rctx(), expect: { ok: true } });
  add({ name: 'request-stale', description: 'A request older than 600 s', function: vr, qr: qr('PAYMENT_REQUEST', req), context: rctx({ now: now + 900 }), expect: fail('WRONG_REQUEST') });
  add({ name: 'request-transit-terminal', description: 'Requests come from merchant terminals only', function: vr, qr: qr('PAYMENT_REQUEST', await signObject('PAYMENT_REQUEST', { ...reqObj, terminalCert: transitT.bytes }, transitT.key)), context: rctx(), expect: fail('WRONG_PAYEE') });
  add({ name: 'request-bad-signature', description: 'Request signed by a key other than the certified one', function: vr, qr: qr('PAYMENT_REQUEST', await signRaw(encodePayload('PAYMENT_REQUEST', reqObj), otherWallet, { kid: merchant.key.kid })), context: rctx(), expect: fail('BAD_SIGNATURE') });
  const oldTerminal = await w.terminalCert({ terminalId: 'T-0009', notBefore: now - 400 * DAY, notAfter: now - DAY });
  add({ name: 'request-terminal-cert-expired', description: "The terminal's certificate expired yesterday", function: vr, qr: qr('PAYMENT_REQUEST', await signObject('PAYMENT_REQUEST', { ...reqObj, terminalCert: oldTerminal.bytes }, oldTerminal.key)), context: rctx(), expect: fail('CERT_EXPIRED') });

  // ---- certificates ----
  add({ name: 'terminal-cert-valid', description: 'Issuer-signed merchant terminal certificate', function: 'verifyTerminalCert', qr: qr('TERMINAL_CERT', merchant.bytes), context: { now }, expect: { ok: true } });
  add({ name: 'purse-cert-valid', description: 'Issuer-signed purse certificate', function: 'verifyPurseCert', qr: qr('PURSE_CERT', purse.bytes), context: { now }, expect: { ok: true } });
  add({ name: 'purse-cert-clock-untrusted', description: 'Validity cannot be checked without trusted time', function: 'verifyPurseCert', qr: qr('PURSE_CERT', purse.bytes), context: { now: null }, expect: fail('CLOCK_UNTRUSTED') });

  // ---- fleet messages ----
  const vf = 'verifyFleetMessage' as const;
  const deny = await w.fleetDenylist(7, [purse.cert.purseId, seededBytes('vectors/lost', 16)]);
  const config = await w.fleetConfig(3, flat, 'V-0042');
  add({ name: 'fleet-denylist-valid', description: 'Deny list version 7 over version 6', function: vf, input: 'bytes', qr: qr('FLEET_MESSAGE', deny), context: { now, appliedVersion: 6 }, expect: { ok: true } });
  add({ name: 'fleet-config-valid', description: 'Fare configuration addressed to this validator', function: vf, input: 'bytes', qr: qr('FLEET_MESSAGE', config), context: { now, terminalId: 'V-0042', appliedVersion: 2 }, expect: { ok: true } });
  add({ name: 'fleet-rollback', description: 'Deny list version 7 when 7 is applied', function: vf, input: 'bytes', qr: qr('FLEET_MESSAGE', deny), context: { now, appliedVersion: 7 }, expect: fail('ROLLBACK') });
  add({ name: 'fleet-wrong-target', description: 'Configuration addressed to another terminal', function: vf, input: 'bytes', qr: qr('FLEET_MESSAGE', config), context: { now, terminalId: 'V-0043' }, expect: fail('WRONG_PAYEE') });
  add({ name: 'fleet-unknown-key', description: 'Deny list signed by a key not in the trust list', function: vf, input: 'bytes', qr: qr('FLEET_MESSAGE', await w.fleetDenylist(8, [], rogue)), context: { now }, expect: fail('UNKNOWN_KEY') });
  add({ name: 'fleet-kind-body-mismatch', description: 'Kind deny list carrying a config body', function: vf, input: 'bytes', qr: qr('FLEET_MESSAGE', await signObject('FLEET_MESSAGE', { kind: 1, version: 9, issuedAt: now, config: flat }, w.issuer)), context: { now }, expect: fail('MALFORMED') });

  // ---- trust lists ----
  const vt = 'verifyTrustList' as const;
  const root = hex(w.root.publicKey);
  add({ name: 'trust-list-valid', description: 'Root-signed trust list version 1', function: vt, input: 'bytes', qr: qr('TRUST_LIST', w.trustBytes), context: { rootPublicKey: root }, expect: { ok: true } });
  add({ name: 'trust-list-unknown-key', description: 'Trust list signed by the issuer, not the root', function: vt, input: 'bytes', qr: qr('TRUST_LIST', await signObject('TRUST_LIST', { ...w.trustList, version: 2 }, w.issuer)), context: { rootPublicKey: root }, expect: fail('UNKNOWN_KEY') });
  add({ name: 'trust-list-bad-signature', description: 'Names the root kid, signed by another key', function: vt, input: 'bytes', qr: qr('TRUST_LIST', await signRaw(encodePayload('TRUST_LIST', { ...w.trustList, version: 2 }), rogue, { kid: w.root.kid })), context: { rootPublicKey: root }, expect: fail('BAD_SIGNATURE') });
  add({ name: 'trust-list-rollback', description: 'Version 1 when version 1 is installed', function: vt, input: 'bytes', qr: qr('TRUST_LIST', w.trustBytes), context: { rootPublicKey: root, appliedVersion: 1 }, expect: fail('ROLLBACK') });

  // ---- terminal-signed objects ----
  const txId = transactionId(decodeSign1(good.bytes));
  const receipt = await signObject('RECEIPT', { txId, amount: 450, currency: 'EUR', terminalId: 'T-0001', merchantId: 'M-CAFE', purseId: purse.cert.purseId, seq: 1, time: now, journalIndex: 1 }, merchant.key);
  const tpk = hex(merchant.cert.publicKey);
  add({ name: 'receipt-valid', description: 'A printed receipt signed by the terminal', function: 'verifyReceipt', qr: qr('RECEIPT', receipt), context: { terminalPublicKey: tpk }, expect: { ok: true } });
  add({ name: 'receipt-other-terminal', description: 'A receipt checked against another terminal key', function: 'verifyReceipt', qr: qr('RECEIPT', receipt), context: { terminalPublicKey: hex(transitT.cert.publicKey) }, expect: fail('UNKNOWN_KEY') });
  const record = await signObject('JOURNAL_RECORD', { terminalId: 'T-0001', index: 1, prevHash: new Uint8Array(32), txId, payment: good.bytes, decision: DECISION.approved, reason: 0, amountCharged: 450, time: now }, merchant.key);
  add({ name: 'journal-record-valid', description: 'Journal record 1 (prevHash = 32 zero bytes)', function: 'verifyJournalRecord', input: 'bytes', qr: qr('JOURNAL_RECORD', record), context: { terminalPublicKey: tpk, terminalId: 'T-0001' }, expect: { ok: true } });
  const record2 = await signObject('JOURNAL_RECORD', { terminalId: 'T-0001', index: 2, prevHash: recordHash(record), txId: transactionId(decodeSign1(transit.bytes)), payment: transit.bytes, decision: DECISION.declined, reason: 15, amountCharged: 0, time: now + 30 }, merchant.key);
  add({ name: 'journal-record-declined', description: 'Journal record 2 chained to record 1, a declined payment', function: 'verifyJournalRecord', input: 'bytes', qr: qr('JOURNAL_RECORD', record2), context: { terminalPublicKey: tpk, terminalId: 'T-0001' }, expect: { ok: true } });
  // A refund record: no payment, the adjusted payment's txId (key 13) and currency (key 14); its own txId is the refund's id.
  const refund = { terminalId: 'T-0001', index: 3, prevHash: recordHash(record2), txId: seededBytes('vector-refund-1', 32), decision: DECISION.approved, reason: 0, amountCharged: 200, time: now + 60, reference: 'R-77', adjustment: ADJUSTMENT.refund, original: txId, currency: 'EUR', note: 'cold coffee' };
  const record3 = await signObject('JOURNAL_RECORD', refund, merchant.key);
  add({ name: 'journal-record-refund', description: 'Journal record 3: a refund of 200 of the payment in record 1 (adjustment 2, original txId, currency, note)', function: 'verifyJournalRecord', input: 'bytes', qr: qr('JOURNAL_RECORD', record3), context: { terminalPublicKey: tpk, terminalId: 'T-0001' }, expect: { ok: true } });
  const { note: _note, ...unnoted } = refund;
  const voidRec = await signObject('JOURNAL_RECORD', { ...unnoted, index: 4, prevHash: recordHash(record3), txId: seededBytes('vector-void-1', 32), amountCharged: 450, adjustment: ADJUSTMENT.void }, merchant.key);
  add({ name: 'journal-record-void', description: 'Journal record 4: a void (adjustment 1) of the whole payment in record 1', function: 'verifyJournalRecord', input: 'bytes', qr: qr('JOURNAL_RECORD', voidRec), context: { terminalPublicKey: tpk, terminalId: 'T-0001' }, expect: { ok: true } });
  add({ name: 'journal-record-adjustment-with-payment', description: 'An adjustment record that also carries a payment', function: 'verifyJournalRecord', input: 'bytes', qr: qr('JOURNAL_RECORD', await signObject('JOURNAL_RECORD', { ...refund, payment: good.bytes }, merchant.key)), context: { terminalPublicKey: tpk, terminalId: 'T-0001' }, expect: fail('MALFORMED') });
  const { original: _original, ...noOriginal } = refund;
  add({ name: 'journal-record-adjustment-without-original', description: 'An adjustment record that names no original payment', function: 'verifyJournalRecord', input: 'bytes', qr: qr('JOURNAL_RECORD', await signObject('JOURNAL_RECORD', noOriginal, merchant.key)), context: { terminalPublicKey: tpk, terminalId: 'T-0001' }, expect: fail('MALFORMED') });
  const enrol = await signObject('ENROLMENT_REQUEST', { terminalId: 'T-0001', publicKey: merchant.cert.publicKey, hardwareId: 'rpi-0000000012345678', time: now }, merchant.key);
  add({ name: 'enrolment-valid', description: 'Self-signed enrolment request (proof of possession)', function: 'verifyEnrolmentRequest', qr: qr('ENROLMENT_REQUEST', enrol), context: {}, expect: { ok: true } });
  const enrolMap = encodeFields({ type: TYPE.ENROLMENT_REQUEST, v: 1, terminalId: 'T-0001', publicKey: merchant.cert.publicKey, hardwareId: 'rpi-0000000012345678', time: now }, ENROLMENT_REQUEST_FIELDS);
  add({ name: 'enrolment-not-possessed', description: 'Enrolment for a key the requester does not hold', function: 'verifyEnrolmentRequest', qr: qr('ENROLMENT_REQUEST', await signRaw(enrolMap, otherWallet, { kid: merchant.key.kid })), context: {}, expect: fail('BAD_SIGNATURE') });

  // ---- sync objects (acks and resync requests, role CLEARING) ----
  const journal = { journalHead: 2, journalHashes: { '0': hex(new Uint8Array(32)), '1': hex(recordHash(record)), '2': hex(recordHash(record2)) } };
  const sctx = (o: Partial<VectorContext> = {}): VectorContext => ({ now, terminalId: 'T-0001', ...journal, ...o });
  const ackObj = { terminalId: 'T-0001', upTo: 2, hash: recordHash(record2), time: now, results: [{ index: 2, status: 2 }] };
  const ack = await signObject('ACK', ackObj, w.clearing);
  const va = 'verifyAck' as const;
  add({ name: 'ack-valid', description: 'Records 1..2 acknowledged, naming record 2 by its hash; record 2 declined-recorded', function: va, input: 'bytes', qr: qr('ACK', ack), context: sctx(), expect: { ok: true } });
  add({ name: 'ack-nothing-yet', description: 'upTo 0 names the 32 zero bytes (no record recorded yet)', function: va, input: 'bytes', qr: qr('ACK', await signObject('ACK', { ...ackObj, upTo: 0, hash: new Uint8Array(32), results: [{ index: 1, status: 4, reason: 'chain break' }] }, w.clearing)), context: sctx(), expect: { ok: true } });
  add({ name: 'ack-issuer-key', description: 'Signed by the issuer key, which lacks the CLEARING role', function: va, input: 'bytes', qr: qr('ACK', await signObject('ACK', ackObj, w.issuer)), context: sctx(), expect: fail('UNKNOWN_KEY') });
  add({ name: 'ack-bad-signature', description: 'Names the clearing kid, signed by another key', function: va, input: 'bytes', qr: qr('ACK', await signRaw(encodePayload('ACK', ackObj), rogue, { kid: w.clearing.kid })), context: sctx(), expect: fail('BAD_SIGNATURE') });
  add({ name: 'ack-chain-mismatch', description: "upTo 2 naming record 1's hash (another chain)", function: va, input: 'bytes', qr: qr('ACK', await signObject('ACK', { ...ackObj, hash: recordHash(record) }, w.clearing)), context: sctx(), expect: fail('CHAIN_MISMATCH') });
  add({ name: 'ack-beyond-head', description: 'upTo 2 at a terminal whose journal head is 1', function: va, input: 'bytes', qr: qr('ACK', ack), context: sctx({ journalHead: 1 }), expect: fail('BEYOND_HEAD') });
  add({ name: 'ack-other-terminal', description: 'An ack for T-0001 received by V-0042', function: va, input: 'bytes', qr: qr('ACK', ack), context: sctx({ terminalId: 'V-0042' }), expect: fail('WRONG_PAYEE') });
  add({ name: 'ack-clearing-key-expired', description: 'The clearing key is past its validity', function: va, input: 'bytes', qr: qr('ACK', ack), context: sctx({ now: now + 400 * DAY }), expect: fail('CERT_EXPIRED') });
  const badStatus = encodeFields({ type: TYPE.ACK, v: 1, ...ackObj, results: [{ index: 2, status: 9 }] }, ACK_FIELDS.map((f) => (f.name === 'results' ? { ...f, type: { t: 'array' as const, max: 64, of: { t: 'map' as const, fields: [{ key: 1, name: 'index', type: { t: 'uint' as const, max: 99 } }, { key: 2, name: 'status', type: { t: 'uint' as const, max: 99 } }] } } } : f)));
  add({ name: 'ack-unknown-status', description: 'A result with status 9 (only 0-4 exist)', function: va, input: 'bytes', qr: qr('ACK', await signRaw(badStatus, w.clearing)), context: sctx(), expect: fail('MALFORMED') });
  add({ name: 'ack-as-json', description: 'The unsigned JSON ack of protocol version 1', function: va, input: 'bytes', qr: qr('ACK', new TextEncoder().encode('{"upTo":1000000,"results":[]}')), context: sctx(), expect: fail('MALFORMED') });
  const vs = 'verifyResync' as const;
  const resyncObj = { terminalId: 'T-0001', from: 2, time: now };
  const resync = await signObject('RESYNC', resyncObj, w.clearing);
  add({ name: 'resync-valid', description: 'Re-send the journal from record 2', function: vs, input: 'bytes', qr: qr('RESYNC', resync), context: sctx({ lastResyncTime: now - 60 }), expect: { ok: true } });
  add({ name: 'resync-replayed', description: 'A request not newer than the last one acted on', function: vs, input: 'bytes', qr: qr('RESYNC', resync), context: sctx({ lastResyncTime: now }), expect: fail('ROLLBACK') });
  add({ name: 'resync-beyond-head', description: 'From 4 at a terminal whose journal head is 2 (3 = head + 1 is allowed)', function: vs, input: 'bytes', qr: qr('RESYNC', await signObject('RESYNC', { ...resyncObj, from: 4 }, w.clearing)), context: sctx(), expect: fail('BEYOND_HEAD') });
  add({ name: 'resync-issuer-key', description: 'Signed by the issuer key, which lacks the CLEARING role', function: vs, input: 'bytes', qr: qr('RESYNC', await signObject('RESYNC', resyncObj, w.issuer)), context: sctx(), expect: fail('UNKNOWN_KEY') });
  add({ name: 'resync-other-terminal', description: 'A request for T-0001 received by V-0042', function: vs, input: 'bytes', qr: qr('RESYNC', resync), context: sctx({ terminalId: 'V-0042' }), expect: fail('WRONG_PAYEE') });
  add({ name: 'resync-from-zero', description: 'from 0 (records start at 1)', function: vs, input: 'bytes', qr: qr('RESYNC', await signRaw(encodeCbor(new Map<number, CborValue>([[0, TYPE.RESYNC], [1, 1], [2, 'T-0001'], [3, 0], [4, now]])), w.clearing)), context: sctx(), expect: fail('MALFORMED') });

  const keys: KeysFile = {
    format: 'tessera-vectors/1',
    description: 'Keys and trust list of the vector world (seed "vectors"). Public keys are 33-byte compressed SEC1, hex.',
    now,
    rootPublicKey: root,
    issuerPublicKey: hex(w.issuer.publicKey),
    sealedPublicKey: hex(w.sealedKey.publicKey),
    clearingPublicKey: hex(w.clearing.publicKey),
    terminalPublicKey: tpk,
    transitTerminalPublicKey: hex(transitT.cert.publicKey),
    trustList: qr('TRUST_LIST', w.trustBytes),
  };
  const group = (fn: VerifyFunction[]) => cases.filter((c) => fn.includes(c.function));
  const files: Record<string, VectorFile> = {
    'payments.json': { format: 'tessera-vectors/1', description: 'verifyPayment: valid merchant and transit payments and one case per rejection reason', cases: group(['verifyPayment']) },
    'requests.json': { format: 'tessera-vectors/1', description: 'verifyPaymentRequest (wallet side)', cases: group(['verifyPaymentRequest']) },
    'fleet.json': { format: 'tessera-vectors/1', description: 'verifyFleetMessage and verifyTrustList (inputs are the raw bytes, as delivered over MQTT)', cases: group(['verifyFleetMessage', 'verifyTrustList']) },
    'objects.json': { format: 'tessera-vectors/1', description: 'Certificates, receipts, journal records and enrolment requests', cases: group(['verifyTerminalCert', 'verifyPurseCert', 'verifyReceipt', 'verifyJournalRecord', 'verifyEnrolmentRequest']) },
    'sync.json': {
      format: 'tessera-vectors/1',
      description: "verifyAck and verifyResync (inputs are the raw bytes, as delivered over MQTT); the context gives the verifying terminal's id, journal head and record hashes",
      cases: group(['verifyAck', 'verifyResync']),
    },
  };
  if (Object.values(files).reduce((n, f) => n + f.cases.length, 0) !== cases.length) throw new Error('a vector is in no file');
  return { keys, files };
}

/** Result of running one vector: ok, or the reason (plus txId/charge for payments). */
export type VectorOutcome = { ok: true; txId?: string; charge?: number } | { ok: false; reason: string };

export function trustStoreFor(keys: KeysFile, backend: CryptoBackend): TrustStore {
  const b = qrBytes(keys.trustList);
  const t = verifyTrustList(b, { rootPublicKey: fromHex(keys.rootPublicKey), backend });
  if (!t.ok) throw new Error(`vector trust list does not verify: ${t.reason}`);
  return new TrustStore(t.value.value, backend);
}

function qrBytes(text: string): Uint8Array {
  if (!(Object.values(PREFIX) as string[]).includes(text.slice(0, 4))) throw new Error('vector QR has no known prefix');
  return base45Decode(text.slice(4));
}

export function runVector(v: Vector, trust: TrustStore): VectorOutcome {
  const c = v.context;
  const input: string | Uint8Array = v.input === 'bytes' ? qrBytes(v.qr) : v.qr;
  const now = c.now === undefined ? null : c.now;
  const out = <T>(r: { ok: true; value: T } | { ok: false; reason: string }): VectorOutcome => (r.ok ? { ok: true } : { ok: false, reason: r.reason });
  switch (v.function) {
    case 'verifyPayment': {
      const deny = new Set(c.denylist ?? []);
      const ctx: PaymentContext = {
        trust,
        now,
        terminal: c.terminal as PaymentContext['terminal'],
        ...(c.request ? { request: { ...c.request, nonce: fromHex(c.request.nonce) } } : {}),
        ...(c.fares ? { fares: c.fares } : {}),
        isDenied: (id) => deny.has(toHex(id)),
        ...(c.purse ? { purse: c.purse } : {}),
      };
      const r = verifyPayment(input, ctx);
      const result: VectorOutcome = r.ok ? { ok: true, txId: toHex(r.value.txId), charge: r.value.charge } : { ok: false, reason: r.reason };
      // The pre-decoded form (what the terminal's checkout calls) must give the same answer on every vector.
      const bytes = typeof input === 'string' ? fromQrText('PAYMENT', input) : { ok: true as const, value: input };
      const d = bytes.ok ? decodeObject('PAYMENT', bytes.value) : undefined;
      if (bytes.ok && d?.ok) {
        const r2 = verifyPayment(bytes.value, ctx, { decoded: d.value, txId: transactionId(d.value.sign1) });
        const again: VectorOutcome = r2.ok ? { ok: true, txId: toHex(r2.value.txId), charge: r2.value.charge } : { ok: false, reason: r2.reason };
        if (JSON.stringify(again) !== JSON.stringify(result)) return { ok: false, reason: `pre-decoded verifyPayment disagrees: ${JSON.stringify(again)}` };
      }
      return result;
    }
    case 'verifyPaymentRequest':
      return out(verifyPaymentRequest(input, { trust, now: now as number, ...(c.maxAgeSeconds !== undefined ? { maxAgeSeconds: c.maxAgeSeconds } : {}) }));
    case 'verifyFleetMessage':
      return out(verifyFleetMessage(input, { trust, now, ...(c.terminalId !== undefined ? { terminalId: c.terminalId } : {}), ...(c.appliedVersion !== undefined ? { appliedVersion: c.appliedVersion } : {}) }));
    case 'verifyTrustList':
      return out(verifyTrustList(typeof input === 'string' ? qrBytes(input) : input, { rootPublicKey: fromHex(c.rootPublicKey as string), backend: trust.backend, ...(c.appliedVersion !== undefined ? { appliedVersion: c.appliedVersion } : {}) }));
    case 'verifyTerminalCert':
      return out(verifyTerminalCert(input, { trust, now }));
    case 'verifyPurseCert':
      return out(verifyPurseCert(input, { trust, now }));
    case 'verifyReceipt':
      return out(verifyReceipt(input, { terminalPublicKey: fromHex(c.terminalPublicKey as string), trust }));
    case 'verifyJournalRecord':
      return out(verifyJournalRecord(input, { terminalPublicKey: fromHex(c.terminalPublicKey as string), trust, ...(c.terminalId !== undefined ? { terminalId: c.terminalId } : {}) }));
    case 'verifyEnrolmentRequest':
      return out(verifyEnrolmentRequest(input, { trust }));
    case 'verifyAck':
      return out(verifyAck(input, { trust, now, terminalId: c.terminalId as string, head: c.journalHead ?? 0, hashAt: (i) => hashAt(c, i) }));
    case 'verifyResync':
      return out(verifyResync(input, { trust, now, terminalId: c.terminalId as string, head: c.journalHead ?? 0, ...(c.lastResyncTime !== undefined ? { lastTime: c.lastResyncTime } : {}) }));
  }
}

function hashAt(c: VectorContext, index: number): Uint8Array | undefined {
  const h = c.journalHashes?.[String(index)];
  return h === undefined ? undefined : fromHex(h);
}

/** Whether an outcome matches a vector's expectation (txId and charge only when the vector names them). */
export function matches(v: Vector, o: VectorOutcome): boolean {
  if (v.expect.ok !== o.ok) return false;
  if (!v.expect.ok) return !o.ok && o.reason === v.expect.reason;
  if (!o.ok) return false;
  if (v.expect.txId !== undefined && v.expect.txId !== o.txId) return false;
  if (v.expect.charge !== undefined && v.expect.charge !== o.charge) return false;
  return true;
}

/** The JSON text of every vector file, by file name (keys.json included). */
export function renderVectorFiles(v: { keys: KeysFile; files: Record<string, VectorFile> }): Record<string, string> {
  const out: Record<string, string> = { 'keys.json': JSON.stringify(v.keys, null, 2) + '\n' };
  for (const [name, f] of Object.entries(v.files)) out[name] = JSON.stringify(f, null, 2) + '\n';
  return out;
}
