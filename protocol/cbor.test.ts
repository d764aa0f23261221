// Strict deterministic CBOR: canonical encoding, and every non-canonical or foreign form refused.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { CBOR_LIMITS, CborError, type CborValue, decodeCbor, encodeCbor } from './cbor.js';
import { fromHex, toHex } from './bytes.js';

const enc = (v: CborValue) => toHex(encodeCbor(v));
const bad = (t: Test, hex: string, msg: RegExp, label: string) => t.throws(() => decodeCbor(fromHex(hex)), { name: 'CborError', message: msg }, label);

t.test('encodes integers, strings and containers in the shortest canonical form (RFC 8949 appendix A)', async (t) => {
  t.equal(enc(0), '00');
  t.equal(enc(23), '17');
  t.equal(enc(24), '1818');
  t.equal(enc(255), '18ff');
  t.equal(enc(256), '190100');
  t.equal(enc(65536), '1a00010000');
  t.equal(enc(4294967296), '1b0000000100000000');
  t.equal(enc(Number.MAX_SAFE_INTEGER), '1b001fffffffffffff');
  t.equal(enc(2 ** 40 + 5), '1b0000010000000005');
  t.equal(enc(-1), '20');
  t.equal(enc(-25), '3818');
  t.equal(enc('IETF'), '6449455446');
  t.equal(enc('ü'), '62c3bc');
  t.equal(enc(new Uint8Array([1, 2])), '420102');
  t.equal(enc([1, [2, 3]]), '8201820203');
  t.equal(enc({ tag: 18, value: [] }), 'd280');
  t.throws(() => encodeCbor(1.5), CborError, 'no floats');
  t.throws(() => encodeCbor(2 ** 53), CborError, 'beyond safe integers');
});

t.test('sorts map keys by their encoded bytes', async (t) => {
  const m = new Map<number, CborValue>([
    [10, 1],
    [-1, 2],
    [1, 3],
    [100, 4],
  ]);
  // 0x01 < 0x0a < 0x1864 < 0x20
  t.equal(enc(m), 'a4' + '0103' + '0a01' + '186404' + '2002');
});

t.test('round-trips what it encodes', async (t) => {
  const v = new Map<number, CborValue>([
    [1, 'x'],
    [2, [new Uint8Array(3), -1000, { tag: 18, value: 7 }]],
  ]);
  t.same(decodeCbor(encodeCbor(v)), v);
});

t.test('refuses every non-canonical or foreign encoding', async (t) => {
  bad(t, '9f01ff', /indefinite/, 'indefinite array');
  bad(t, '5f4101ff', /indefinite/, 'indefinite byte string');
  bad(t, '1817', /non-shortest/, '23 in two bytes');
  bad(t, '190017', /non-shortest/, '23 in three bytes');
  bad(t, '1a0000ffff', /non-shortest/, '65535 in five bytes');
  bad(t, '1b00000000ffffffff', /non-shortest/, '2^32−1 in nine bytes');
  bad(t, '58024142', /non-shortest/, 'byte string length in two bytes');
  bad(t, '1b0020000000000000', /beyond 2\^53/, 'integer beyond 2^53');
  bad(t, '3b001fffffffffffff', /beyond 2\^53/, 'negative integer beyond −2^53');
  bad(t, 'a201010102', /duplicate/, 'duplicate key');
  bad(t, 'a202010101', /canonical order/, 'unsorted keys');
  bad(t, 'a1410101', /not an integer/, 'byte-string key');
  bad(t, 'f93c00', /floats/, 'half float 1.0');
  bad(t, 'fb3ff0000000000000', /floats/, 'double 1.0');
  bad(t, 'f5', /floats and simple/, 'true');
  bad(t, 'f6', /floats and simple/, 'null');
  bad(t, 'c11a514b67b0', /unsupported tag 1/, 'tag 1 (epoch time)');
  bad(t, 'd8184100', /unsupported tag 24/, 'tag 24');
  bad(t, '0000', /trailing/, 'trailing bytes');
  bad(t, '62c328', /UTF-8/, 'invalid UTF-8');
  bad(t, '61ff', /UTF-8/, 'invalid UTF-8 single byte');
  bad(t, '1c', /reserved/, 'reserved additional info 28');
  bad(t, '43010203'.slice(0, 6), /truncated/, 'truncated byte string');
  bad(t, '', /truncated/, 'empty input');
  bad(t, '8301', /truncated/, 'array missing items');
});

t.test('bounds nesting depth and item count', async (t) => {
  const deep = '81'.repeat(CBOR_LIMITS.maxDepth + 1) + '00';
  bad(t, deep, /too deep/, 'nesting deeper than the limit');
  t.doesNotThrow(() => decodeCbor(fromHex('81'.repeat(CBOR_LIMITS.maxDepth) + '00')), 'nesting at the limit');
  t.throws(() => decodeCbor(encodeCbor(new Array(20).fill(0)), 10), /too many items/, 'more items than allowed');
  t.throws(() => decodeCbor(fromHex('9a7fffffff'), 10), /too many items/, 'a huge declared length is refused before reading');
  t.throws(() => decodeCbor(fromHex('5a7fffffff00')), /truncated/, 'a huge byte string length is refused without allocating');
});

// The encoder before it wrote into one buffer (one array per item, concatenated level by level):
// simple enough to trust, so the single-buffer encoder must give exactly its bytes.
function referenceEncode(v: CborValue): Uint8Array {
  const head = (major: number, n: number): number[] => {
    if (!Number.isSafeInteger(n) || n < 0) throw new CborError(`length/value out of range: ${n}`);
    const m = major << 5;
    if (n < 24) return [m | n];
    if (n < 0x100) return [m | 24, n];
    if (n < 0x10000) return [m | 25, n >> 8, n & 0xff];
    const be = (x: number, k: number) => Array.from({ length: k }, (_, i) => Math.floor(x / 256 ** (k - 1 - i)) % 256);
    return n < 0x100000000 ? [m | 26, ...be(n, 4)] : [m | 27, ...be(n, 8)];
  };
  const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new CborError(`not a safe integer: ${v}`);
    return Uint8Array.from(v >= 0 ? head(0, v) : head(1, -1 - v));
  }
  if (v instanceof Uint8Array) return cat(head(2, v.length), v);
  if (typeof v === 'string') {
    const b = new TextEncoder().encode(v);
    return cat(head(3, b.length), b);
  }
  if (Array.isArray(v)) return cat(head(4, v.length), ...v.map(referenceEncode));
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, val]) => [referenceEncode(k), referenceEncode(val)] as const);
    entries.sort((a, b) => {
      for (let i = 0; i < Math.min(a[0].length, b[0].length); i++) if (a[0][i] !== b[0][i]) return (a[0][i] as number) - (b[0][i] as number);
      return a[0].length - b[0].length;
    });
    return cat(head(5, entries.length), ...entries.flat());
  }
  return cat(head(6, v.tag), referenceEncode(v.value));
}

t.test('the single-buffer encoder gives exactly the reference bytes for any value, and the same errors', async (t) => {
  const int = fc.oneof(fc.integer({ min: -30, max: 300 }), fc.maxSafeInteger(), fc.integer({ min: -(2 ** 32) - 5, max: 2 ** 32 + 5 }));
  const key = fc.oneof(fc.integer({ min: -300, max: 70_000 }), fc.maxSafeInteger());
  const value: fc.Arbitrary<CborValue> = fc.letrec<{ v: CborValue }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      int,
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.array(tie('v'), { maxLength: 5 }),
      fc.array(fc.tuple(key, tie('v')), { maxLength: 6 }).map((kv) => new Map(kv)),
      fc.record({ tag: fc.integer({ min: 0, max: 70_000 }), value: tie('v') }),
    ),
  })).v;
  fc.assert(
    fc.property(value, (v) => toHex(encodeCbor(v)) === toHex(referenceEncode(v))),
    { numRuns: 2000, seed: 1201 },
  );
  // A payload large enough to grow the buffer several times.
  const big: CborValue = [new Uint8Array(5000).fill(7), 'x'.repeat(3000), new Map([[1, new Uint8Array(70_000)]])];
  t.equal(toHex(encodeCbor(big)), toHex(referenceEncode(big)));
  for (const v of [2 ** 53, -(2 ** 53), 1.5, Number.NaN, { tag: -1, value: 0 }] as CborValue[]) {
    t.throws(() => encodeCbor(v), { name: 'CborError' }, `refuses ${JSON.stringify(v)}`);
    t.throws(() => referenceEncode(v), { name: 'CborError' });
  }
});
