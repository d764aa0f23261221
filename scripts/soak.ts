// `make soak`: long fuzz/fault loops outside `make test`. Parts register loops; `--only <part>` and `--iterations N` select.
import fc from 'fast-check';
import { byteMutations, createFuzzWorld, fuzzInputArb, textMutations, truncations } from '../test/support/fuzz-protocol.js';

/** One soak loop: `step(i)` runs iteration i and throws on a failure; `setup` runs once before. */
export interface SoakLoop {
  part: string;
  name: string;
  setup(): Promise<(i: number) => void>;
}

// Other parts add their loops to this list (part name = their folder, so `--only drivers` works).
const loops: SoakLoop[] = [
  {
    part: 'protocol',
    name: 'verifiers vs random and mutated payments',
    async setup() {
      const w = await createFuzzWorld();
      // A fixed pool of deterministic mutations, then fresh random inputs in seeded chunks.
      const mutated: (string | Uint8Array)[] = [
        ...byteMutations(w.bytes, [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff]),
        ...byteMutations(w.sealedBytes),
        ...textMutations(w.text, ['0', '9', 'A', 'Z', ' ', '$', '%', '*', '+', '-', '.', '/', ':']),
        ...truncations(w.bytes),
        ...truncations(w.text),
      ];
      let chunk: (string | Uint8Array)[] = [];
      let seed = 1;
      return (i) => {
        if (i % 4 === 0) {
          w.reject(mutated[(i >> 2) % mutated.length] as string | Uint8Array);
          return;
        }
        if (chunk.length === 0) chunk = fc.sample(fuzzInputArb, { numRuns: 10_000, seed: seed++ });
        w.reject(chunk.pop() as string | Uint8Array);
      };
    },
  },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const only = arg('--only');
  const iterations = Number(arg('--iterations') ?? 1_000_000);
  if (!Number.isSafeInteger(iterations) || iterations <= 0) throw new Error('--iterations must be a positive integer');
  const selected = loops.filter((l) => only === undefined || l.part === only);
  if (selected.length === 0) throw new Error(`no soak loop for part ${only}`);
  const summary: string[] = [];
  let failures = 0;
  for (const loop of selected) {
    const step = await loop.setup();
    const started = Date.now();
    let failed = 0;
    let firstError = '';
    const every = Math.max(1, Math.floor(iterations / 20));
    for (let i = 0; i < iterations; i++) {
      try {
        step(i);
      } catch (e) {
        failed++;
        firstError ||= `iteration ${i}: ${(e as Error).message}`;
      }
      if ((i + 1) % every === 0) {
        const s = (Date.now() - started) / 1000;
        console.log(`[${loop.part}] ${loop.name}: ${i + 1}/${iterations} (${Math.round((i + 1) / s)}/s) failures ${failed}`);
      }
    }
    failures += failed;
    const s = ((Date.now() - started) / 1000).toFixed(1);
    summary.push(`${loop.part} — ${loop.name}: ${iterations} inputs in ${s}s, ${failed} failures${firstError ? ` (first: ${firstError})` : ''}`);
  }
  console.log('\nsoak summary');
  for (const line of summary) console.log(`  ${line}`);
  process.exit(failures === 0 ? 0 : 1);
}

await main().catch((e: unknown) => {
  console.error(`soak: ${(e as Error).message}`);
  process.exit(1);
});
