// Every committed protocol vector, through both crypto backends; and the generator is reproducible.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NobleBackend, NodeBackend, REASON_CODES } from '#protocol';
import { type KeysFile, type VectorFile, buildVectors, matches, renderVectorFiles, runVector, trustStoreFor } from './vectors/build.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/vectors');
const names = readdirSync(dir).filter((f) => f.endsWith('.json'));
const read = (f: string) => readFileSync(join(dir, f), 'utf8');
const keys = JSON.parse(read('keys.json')) as KeysFile;
const files = names.filter((f) => f !== 'keys.json').map((f) => [f, JSON.parse(read(f)) as VectorFile] as const);
const all = files.flatMap(([, f]) => f.cases);

/** Reasons only the terminal itself decides (storage, risk limits, staleness, readiness): no verifier returns them. */
const TERMINAL_SIDE = new Set(['STORAGE_FAILED', 'TERMINAL_LIMIT', 'TRUST_STALE', 'NOT_READY']);

t.test('there are at least 30 vectors and every verifier reason appears', async (t) => {
  t.ok(all.length >= 30, `${all.length} vectors`);
  const seen = new Set(all.map((v) => (v.expect.ok ? 'OK' : v.expect.reason)));
  for (const code of REASON_CODES) if (!TERMINAL_SIDE.has(code)) t.ok(seen.has(code), `a vector expects ${code}`);
  for (const n of ['payment-merchant-valid', 'payment-transit-valid', 'request-valid', 'receipt-valid', 'fleet-denylist-valid', 'fleet-config-valid', 'trust-list-valid']) {
    t.ok(all.some((v) => v.name === n && v.expect.ok), `valid vector ${n}`);
  }
  t.equal(new Set(all.map((v) => v.name)).size, all.length, 'vector names are unique');
});

for (const backend of [new NodeBackend(), new NobleBackend()]) {
  t.test(`every vector verifies as expected with the ${backend.name} backend`, async (t) => {
    const trust = trustStoreFor(keys, backend);
    for (const [file, f] of files) {
      for (const v of f.cases) {
        const o = runVector(v, trust);
        t.ok(matches(v, o), `${file} ${v.name}: expected ${JSON.stringify(v.expect)}, got ${JSON.stringify(o)}`);
      }
    }
  });
}

t.test('regenerating the vectors from the seeds gives byte-identical files', async (t) => {
  const fresh = renderVectorFiles(await buildVectors());
  t.same(Object.keys(fresh).sort(), [...names].sort(), 'same file set');
  for (const [name, text] of Object.entries(fresh)) t.equal(text, read(name), `${name} unchanged (run make vectors after a deliberate change)`);
});
