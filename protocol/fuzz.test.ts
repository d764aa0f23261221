// Property tests: no mutation or truncation of a valid payment is accepted, and no input makes a verifier throw.
import t from 'tap';
import fc from 'fast-check';
import { byteMutations, createFuzzWorld, fuzzInputArb, textMutations, truncations } from '../test/support/fuzz-protocol.js';

const world = await createFuzzWorld();

t.test('every single-byte mutation of valid payments is rejected with a reason', async (t) => {
  let n = 0;
  for (const [b, c] of [
    [world.bytes, world.ctx],
    [world.transitBytes, world.transitCtx],
  ] as const) {
    for (const m of byteMutations(b)) {
      world.reject(m, c);
      n++;
    }
  }
  t.ok(n > 1500, `${n} mutations rejected`);
});

t.test('every truncation of a valid payment, as bytes and as QR text, is rejected', async (t) => {
  let n = 0;
  for (const b of truncations(world.bytes)) {
    world.reject(b);
    n++;
  }
  for (const s of truncations(world.text)) {
    world.reject(s);
    n++;
  }
  for (const b of truncations(world.sealedBytes)) {
    world.reject(b);
    n++;
  }
  t.equal(n, world.bytes.length + world.text.length + world.sealedBytes.length);
});

t.test('every single-character change of the QR text is rejected', async (t) => {
  let n = 0;
  for (const s of textMutations(world.text)) {
    world.reject(s);
    n++;
  }
  t.ok(n > 1000, `${n} text mutations rejected`);
});

t.test('10,000 random inputs: never accepted, never a throw', async (t) => {
  let rejected = 0;
  fc.assert(
    fc.property(fuzzInputArb, (input) => {
      world.reject(input);
      rejected++;
    }),
    { numRuns: 10_000, seed: 20261127 },
  );
  t.equal(rejected, 10_000, '10,000 random inputs rejected with a reason');
});
