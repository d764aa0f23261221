// Fuzz inputs for the protocol verifiers, shared by the property tests and `make soak`.
import fc from 'fast-check';
import { type CborValue, type PaymentContext, BASE45_ALPHABET, COSE_SIGN1_TAG, NodeBackend, REASONS, TrustStore, encodeCbor, protectedHeader, verifyFleetMessage, verifyPayment, verifyPaymentRequest, verifyReceipt, verifyTrustList } from '#protocol';
import { createTestWorld } from '#protocol/testkit';

export interface FuzzWorld {
  /** A valid merchant payment (bytes and QR text) that `ctx` accepts. */
  bytes: Uint8Array;
  text: string;
  sealedBytes: Uint8Array;
  transitBytes: Uint8Array;
  transitCtx: PaymentContext;
  ctx: PaymentContext;
  /** Runs the input through every verifier; returns the payment reason, or throws if anything accepted it or threw. */
  reject(input: string | Uint8Array, c?: PaymentContext): string;
}

export async function createFuzzWorld(): Promise<FuzzWorld> {
  const backend = new NodeBackend();
  const w = await createTestWorld({ seed: 'fuzz', backend });
  const trust = new TrustStore(w.trustList, backend);
  const purse = await w.purse();
  const pay = await w.payment(purse, {});
  const sealed = await w.payment(purse, { seq: 2, cumulative: 900 }, new TextEncoder().encode('details'));
  const transit = await w.payment(purse, { payeeKind: 1, payee: 'OP', line: '*', validUntil: w.now + 60, requestNonce: undefined, amount: 300, cumulative: 300 });
  const ctx: PaymentContext = {
    trust,
    now: w.now,
    terminal: { id: 'T-0001', mode: 'merchant', operatorId: 'M' },
    request: { nonce: pay.payment.requestNonce as Uint8Array, amount: 450, currency: 'EUR', expiresAt: w.now + 60 },
    purse: { lastSeq: 0, lastCumulative: 0 },
  };
  const transitCtx: PaymentContext = {
    trust,
    now: w.now,
    terminal: { id: 'V-1', mode: 'transit', operatorId: 'OP', line: 'L1' },
    fares: { currency: 'EUR', operatorId: 'OP', utcOffsetMinutes: 0, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 250 }] },
  };
  for (const [b, c] of [
    [pay.bytes, ctx],
    [sealed.bytes, { ...ctx, request: { ...ctx.request!, amount: 450 } }],
    [transit.bytes, transitCtx],
  ] as const) {
    const r = verifyPayment(b, c);
    if (!r.ok) throw new Error(`fuzz world payment does not verify: ${r.reason}`);
  }
  const root = w.root.publicKey;
  return {
    bytes: pay.bytes,
    text: pay.text,
    sealedBytes: sealed.bytes,
    transitBytes: transit.bytes,
    ctx,
    transitCtx,
    reject(input, c = ctx) {
      const r = verifyPayment(input, c);
      if (r.ok) throw new Error('a mutated or random input was accepted as a payment');
      if (!(r.reason in REASONS)) throw new Error(`unknown reason ${String(r.reason)}`);
      // The other verifiers must refuse it too, and never throw.
      const others = [
        verifyPaymentRequest(input, { trust, now: w.now }),
        verifyFleetMessage(input, { trust, now: w.now }),
        verifyReceipt(input, { terminalPublicKey: purse.cert.walletKey, trust }),
        typeof input === 'string' ? { ok: false } : verifyTrustList(input, { rootPublicKey: root, backend }),
      ];
      if (others.some((o) => o.ok)) throw new Error('another verifier accepted a payment-shaped fuzz input');
      return r.reason;
    },
  };
}

const cborLeaf: fc.Arbitrary<CborValue> = fc.oneof(
  fc.integer({ min: -1000, max: 1_000_000 }),
  fc.maxSafeInteger(),
  fc.uint8Array({ maxLength: 40 }),
  fc.string({ maxLength: 20 }),
);

/** Random CBOR-ish values (our data model), often shaped like a COSE_Sign1 around a payment-like map. */
export const cborValueArb: fc.Arbitrary<CborValue> = fc.letrec<{ v: CborValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    cborLeaf,
    fc.array(tie('v'), { maxLength: 5 }),
    fc.array(fc.tuple(fc.integer({ min: -2, max: 20 }), tie('v')), { maxLength: 8 }).map((es) => new Map(es)),
  ),
})).v;

const paymentish: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.array(fc.tuple(fc.integer({ min: 0, max: 14 }), cborValueArb), { maxLength: 14 }),
    fc.uint8Array({ minLength: 8, maxLength: 8 }),
    fc.uint8Array({ minLength: 64, maxLength: 64 }),
  )
  .map(([entries, kid, sig]) => {
    const m = new Map<number, CborValue>([[0, 5], [1, 1], ...entries]);
    return encodeCbor({ tag: COSE_SIGN1_TAG, value: [protectedHeader(kid), new Map(), encodeCbor(m), sig] });
  });

/** 10k-scale random inputs: TP1:-prefixed Base45-ish text, random bytes, encoded random CBOR, COSE-shaped payments. */
export const fuzzInputArb: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...BASE45_ALPHABET.split('')), maxLength: 600 }).map((s) => 'TP1:' + s),
  fc.string({ maxLength: 80 }).map((s) => 'TP1:' + s),
  fc.string({ maxLength: 80 }),
  fc.uint8Array({ maxLength: 800 }),
  cborValueArb.map((v) => encodeCbor(v)),
  cborValueArb.map((v) => encodeCbor({ tag: COSE_SIGN1_TAG, value: v })),
  paymentish,
);

/** Every single-byte mutation (each position × `values` xor masks) of `b`. */
export function* byteMutations(b: Uint8Array, masks: number[] = [0x01, 0x80, 0xff]): Generator<Uint8Array> {
  for (let i = 0; i < b.length; i++) {
    for (const m of masks) {
      const c = Uint8Array.from(b);
      c[i] = (c[i] as number) ^ m;
      yield c;
    }
  }
}

/** Every single-character substitution of a QR text after its prefix, with `chars` replacement characters. */
export function* textMutations(s: string, chars = ['0', 'Z', ':']): Generator<string> {
  for (let i = 0; i < s.length; i++) {
    for (const ch of chars) if (s[i] !== ch) yield s.slice(0, i) + ch + s.slice(i + 1);
  }
}

export function* truncations<T extends string | Uint8Array>(x: T): Generator<T> {
  for (let n = 0; n < x.length; n++) yield x.slice(0, n) as T;
}
