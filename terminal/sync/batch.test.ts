import t from 'tap';
import { decodeCbor, encodeCbor, seededBytes } from '#protocol';
import { encodeBatch } from './batch.js';

t.test('encodeBatch produces exactly the deterministic CBOR of the protocol encoder', async (t) => {
  for (const sizes of [[], [0], [1, 23, 24, 255, 256], [65_535, 65_536], Array.from({ length: 30 }, (_, i) => i * 9)]) {
    const records = sizes.map((n, i) => seededBytes(`b${i}`, 32).length >= n ? seededBytes(`b${i}`, 32).slice(0, n) : new Uint8Array(n).fill(i));
    const ours = encodeBatch(records);
    t.same(new Uint8Array(ours), encodeCbor(records), `sizes ${sizes.slice(0, 5).join(',')}`);
    t.same(decodeCbor(new Uint8Array(ours), 100_000), records);
  }
  const many = Array.from({ length: 300 }, (_, i) => seededBytes(`m${i}`, 16));
  t.same(new Uint8Array(encodeBatch(many)), encodeCbor(many), 'more than 255 items (2-byte array head)');
});
