// BytesMap: lookups by byte content (not identity), correct under hash collisions, bounded.
import t from 'tap';
import { BytesMap, hashBytes } from './bytes-map.js';

t.test('finds values by content, keeps its own copy of the key', async (t) => {
  const m = new BytesMap<string>();
  const k = Uint8Array.of(1, 2, 3);
  m.set(k, 'a');
  k[0] = 9; // the caller reuses its buffer
  t.equal(m.get(Uint8Array.of(1, 2, 3)), 'a');
  t.equal(m.get(k), undefined);
  t.equal(m.get(Uint8Array.of(1, 2)), undefined, 'a prefix is another key');
  m.set(Uint8Array.of(1, 2, 3), 'b');
  t.equal(m.get(Uint8Array.of(1, 2, 3)), 'b', 'set replaces');
  t.equal(m.size, 1);
});

t.test('keys with the same hash are told apart', async (t) => {
  // Pseudo-random 8-byte keys: among 2^18 of them some pairs share a 30-bit hash (birthday bound, ~32 expected).
  const key = (i: number) => {
    const b = new Uint8Array(8);
    let x = Math.imul(i + 1, 0x9e3779b1);
    for (let j = 0; j < 8; j++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[j] = x & 0xff;
    }
    return b;
  };
  const seen = new Map<number, number>();
  let pair: [number, number] | undefined;
  for (let i = 0; i < 1 << 18 && !pair; i++) {
    const h = hashBytes(key(i));
    const j = seen.get(h);
    if (j !== undefined) pair = [j, i];
    seen.set(h, i);
  }
  if (!pair) throw new Error('no colliding pair found');
  const [a, b] = pair;
  const m = new BytesMap<number>();
  m.set(key(a), a);
  t.equal(m.get(key(b)), undefined, 'a colliding key is not found before it is set');
  m.set(key(b), b);
  t.equal(m.get(key(a)), a);
  t.equal(m.get(key(b)), b);
  t.equal(m.size, 2);
});

t.test('many keys are all told apart', async (t) => {
  const m = new BytesMap<number>();
  const key = (i: number) => Uint8Array.of(i & 0xff, i >> 8, 0x42);
  for (let i = 0; i < 20_000; i++) m.set(key(i), i);
  let wrong = 0;
  for (let i = 0; i < 20_000; i++) if (m.get(key(i)) !== i) wrong++;
  t.equal(wrong, 0);
  t.equal(m.size, 20_000);
});

t.test('is emptied when full, so it never holds more than its limit', async (t) => {
  const m = new BytesMap<number>(3);
  for (let i = 0; i < 3; i++) m.set(Uint8Array.of(i), i);
  t.equal(m.size, 3);
  m.set(Uint8Array.of(3), 3);
  t.equal(m.size, 1);
  t.equal(m.get(Uint8Array.of(3)), 3);
  t.equal(m.get(Uint8Array.of(0)), undefined);
});
