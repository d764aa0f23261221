// `make soak`: long fuzz/fault loops outside `make test`. Parts register loops; `--only <part>`, `--iterations N`, `--minutes M` select.
import fc from 'fast-check';
import { byteMutations, createFuzzWorld, fuzzInputArb, textMutations, truncations } from '../test/support/fuzz-protocol.js';
import { createScannerFuzz, type ScannerFuzz } from '../test/faults/scanner-fuzz.js';
import { createMqttFuzz } from '../test/faults/mqtt-fuzz.js';
import { checkNothingLost, createFaultRig, drainAndStop, seededRng, type FaultRig } from '../test/faults/harness.js';
import { runKillCycles } from '../test/faults/kill-cycle.js';

type Step = (i: number) => void | Promise<void>;

/**
 * One soak loop: `step(i)` runs iteration i and throws on a failure; `setup` runs once before and
 * returns the step, or the step and a `finish` that runs the end-of-run checks (throws on a failure).
 */
export interface SoakLoop {
  part: string;
  name: string;
  /** How long the loop runs without --iterations/--minutes: a count, or minutes for loops too slow to count. */
  run: { iterations: number } | { minutes: number };
  setup(): Promise<Step | { step: Step; finish(): Promise<string> }>;
}

const seedArg = (): number => Number(arg('--seed') ?? Math.floor(Math.random() * 2 ** 31));

// Other parts add their loops to this list (part name = their folder, so `--only drivers` works).
const loops: SoakLoop[] = [
  {
    part: 'protocol',
    name: 'verifiers vs random and mutated payments',
    run: { iterations: 1_000_000 },
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
  {
    part: 'scanner',
    name: 'scanner path (checkout.scan) vs mutated and random codes',
    run: { iterations: 1_000_000 },
    async setup() {
      const seed = seedArg();
      console.log(`[scanner] seed ${seed}`);
      // A fresh terminal every 50,000 codes keeps the journal (one declined record per readable code) small.
      let f: ScannerFuzz = await createScannerFuzz(seed);
      let checked = 0;
      const rotate = async (): Promise<void> => {
        checked += f.check().records;
        await f.close();
      };
      return {
        async step(i) {
          if (i > 0 && i % 50_000 === 0) {
            await rotate();
            f = await createScannerFuzz(seed + i);
          }
          await f.step(i);
        },
        async finish() {
          await rotate();
          return `${checked} journaled declines verified`;
        },
      };
    },
  },
  {
    part: 'mqtt',
    name: 'inbound MQTT path (terminal SyncService.receive, back-office ClearingService.receive) vs hostile payloads',
    run: { iterations: 1_000_000 },
    async setup() {
      const seed = seedArg();
      console.log(`[mqtt] seed ${seed}`);
      const f = await createMqttFuzz(seed);
      return {
        step: (i) => f.step(i),
        async finish() {
          const c = f.counts();
          await f.close();
          const n = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
          return `${n(c.terminal)} ignored by the terminal, ${n(c.backoffice)} by the back office; nothing moved`;
        },
      };
    },
  },
  {
    part: 'faults',
    name: 'daemon SIGKILL cycle (pty scans + MQTT sync + clearing)',
    // ~0.8 kills a second: a count of a million would run for weeks.
    run: { minutes: 60 },
    async setup() {
      const seed = seedArg();
      console.log(`[faults] seed ${seed}`);
      const rng = seededRng(seed);
      let rig: FaultRig = await createFaultRig();
      let shown = new Set<string>();
      let cycles = 0;
      // Every 200 kills: drain, check nothing was lost, start over on a fresh terminal (bounded files).
      const verify = async (): Promise<string> => {
        await drainAndStop(rig, 120_000);
        const c = await checkNothingLost(rig, shown);
        await rig.close();
        if (c.problems.length) throw new Error(`after ${cycles} kills: ${c.problems.slice(0, 5).join('; ')}`);
        return `${c.approved} approvals settled once`;
      };
      const summary: string[] = [];
      return {
        async step() {
          const r = await runKillCycles(rig, { rng, cycles: 1 });
          for (const tx of r.shown) shown.add(tx);
          if (++cycles % 200 === 0) {
            summary.push(await verify());
            rig = await createFaultRig();
            shown = new Set();
          }
        },
        async finish() {
          summary.push(await verify());
          return `${cycles} kills; ${summary.join(', ')}`;
        },
      };
    },
  },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const FLAGS = ['--only', '--iterations', '--minutes', '--seed'];

function usage(): string {
  const parts = loops.map((l) => `  ${l.part.padEnd(9)} ${l.name} (default: ${'iterations' in l.run ? `${l.run.iterations.toLocaleString('en')} iterations` : `${l.run.minutes} minutes`})`);
  return [
    'usage: node dist/scripts/soak.js [--only PART] [--iterations N] [--minutes M] [--seed S]',
    '',
    'Long fuzz and fault loops, outside `make test` (`make soak` runs them all with their defaults).',
    'Each failure is printed when it happens; the exit status is 1 if any loop failed.',
    '',
    'parts:',
    ...parts,
    '',
    '  --only PART     run one part',
    '  --iterations N  run each selected loop N times (with --minutes: at most N)',
    '  --minutes M     run each selected loop until M minutes are up',
    '  --seed S        replay a run (scanner, mqtt and faults; default random, printed at the start)',
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return;
  }
  for (let i = 0; i < argv.length; i += 2) {
    if (!FLAGS.includes(argv[i] as string)) throw new Error(`unknown argument ${argv[i]}\n\n${usage()}`);
    if (argv[i + 1] === undefined) throw new Error(`${argv[i]} needs a value`);
  }
  const only = arg('--only');
  const minutesArg = arg('--minutes') === undefined ? undefined : Number(arg('--minutes'));
  if (minutesArg !== undefined && !(minutesArg > 0)) throw new Error('--minutes must be positive');
  const iterationsArg = arg('--iterations') === undefined ? undefined : Number(arg('--iterations'));
  if (iterationsArg !== undefined && (!Number.isSafeInteger(iterationsArg) || iterationsArg <= 0)) throw new Error('--iterations must be a positive integer');
  const selected = loops.filter((l) => only === undefined || l.part === only);
  if (selected.length === 0) throw new Error(`no soak loop for part ${only}; parts: ${loops.map((l) => l.part).join(', ')}`);
  const summary: string[] = [];
  let failures = 0;
  for (const loop of selected) {
    // Flags apply to every selected loop; without them each loop runs its own default.
    const minutes = minutesArg ?? (iterationsArg === undefined && 'minutes' in loop.run ? loop.run.minutes : undefined);
    // With minutes the loop runs until the time is up (iterations only caps it).
    const iterations = iterationsArg ?? (minutes !== undefined ? Number.MAX_SAFE_INTEGER : 'iterations' in loop.run ? loop.run.iterations : 1_000_000);
    const setup = await loop.setup();
    const { step, finish } = typeof setup === 'function' ? { step: setup, finish: undefined } : setup;
    const started = Date.now();
    const deadline = minutes !== undefined ? started + minutes * 60_000 : Infinity;
    let failed = 0;
    let firstError = '';
    const every = minutes !== undefined ? 0 : Math.max(1, Math.floor(iterations / 20));
    let lastReport = started;
    let i = 0;
    for (; i < iterations && Date.now() < deadline; i++) {
      try {
        const r = step(i);
        if (r) await r;
      } catch (e) {
        failed++;
        firstError ||= `iteration ${i}: ${(e as Error).message}`;
        // Each failure is printed when it happens: an hour-long run must be diagnosable from its log.
        if (failed <= 20) console.log(`[${loop.part}] failure at iteration ${i}: ${(e as Error).message.slice(0, 2000)}`);
      }
      if (every ? (i + 1) % every === 0 : Date.now() - lastReport > 60_000) {
        lastReport = Date.now();
        const s = (Date.now() - started) / 1000;
        console.log(`[${loop.part}] ${loop.name}: ${i + 1}${every ? `/${iterations}` : ` in ${Math.round(s)}s`} (${Math.round((i + 1) / s)}/s) failures ${failed}`);
      }
    }
    let end = '';
    try {
      end = finish ? `; ${await finish()}` : '';
    } catch (e) {
      failed++;
      firstError ||= `final check: ${(e as Error).message}`;
    }
    failures += failed;
    const s = ((Date.now() - started) / 1000).toFixed(1);
    summary.push(`${loop.part} — ${loop.name}: ${i} iterations in ${s}s, ${failed} failures${end}${firstError ? ` (first: ${firstError})` : ''}`);
  }
  console.log('\nsoak summary');
  for (const line of summary) console.log(`  ${line}`);
  process.exit(failures === 0 ? 0 : 1);
}

await main().catch((e: unknown) => {
  console.error(`soak: ${(e as Error).message}`);
  process.exit(1);
});
