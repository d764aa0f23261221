// Memory: RSS after 100,000 payments through the checkout on a real SQLite file, and its growth over the last half.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { KeySigner, NodeBackend, signObject, toQrText, transitFields, type PurseCert } from '#protocol';
import { createTerminalWorld } from '#terminal';
import type { BenchRow } from './types.js';

const CHILD_FLAG = '--memory-child';
/**
 * Node flags for the terminal process: by default the ones systemd/tessera.service gives the daemon
 * (NODE_OPTIONS), so the bench measures the process as deployed. Override with
 * TESSERA_BENCH_NODE_ARGS (e.g. '' for V8's defaults, '--max-semi-space-size=16').
 */
const nodeArgs = (process.env.TESSERA_BENCH_NODE_ARGS ?? '--max-semi-space-size=2').split(' ').filter(Boolean);
const PAYMENTS = Number(process.env.TESSERA_BENCH_PAYMENTS ?? 100_000);
const PER_PURSE = 1_000;
const SAMPLE_EVERY = 5_000;
const TARGET_RSS_MB = 100;
/** Growth allowed over the last 50,000 payments: 10 MB is 200 bytes a payment, less than one record. */
const TARGET_GROWTH_MB = 10;

// A full collection before each sample, so the heap figure is what is retained, not what awaits collection.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The payments run in a child process, so the RSS is the terminal's, not the bench runner's with every section loaded. */
export async function run(): Promise<BenchRow[]> {
  const child = spawn(process.execPath, [...nodeArgs, fileURLToPath(import.meta.url), CHILD_FLAG], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
  const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`memory child exited with ${String(code)}`);
  return JSON.parse(out.trim().split('\n').pop() as string) as BenchRow[];
}

async function measure(): Promise<BenchRow[]> {
  // The database is a real SQLite file (WAL, synchronous=FULL) on tmpfs when there is one: this section
  // measures memory, and 100,000 fsyncs on a shared disk would take minutes without changing it.
  const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/tessera-mem-') : undefined;
  const tw = await createTerminalWorld({
    mode: 'transit',
    seed: 'memory',
    config: {
      limits: { maxPerPurseOffline: 1e12, maxUnsyncedPayments: 1e9, maxUnsyncedAmount: 1e12 },
      transit: { resultDisplaySeconds: 3 },
      ...(shm ? { database: { path: join(shm, 'terminal.db') } } : {}),
    },
  });
  try {
    // No display double that keeps screens: the daemon's null display, as on a headless validator.
    const d = tw.daemon({ api: false, devices: { scanner: async () => tw.scanner } });
    await d.start();
    try {
      const co = d.checkout!;
      const applied = await co.scan(await tw.fareConfig(1));
      if (applied.outcome !== 'fleet-applied') throw new Error(`fare config not applied: ${applied.reason ?? ''}`);
      const fast = new NodeBackend();
      const now = tw.world.now;
      const fields = transitFields(now, { max: 300 });
      let purse: { key: KeySigner; bytes: Uint8Array; cert: PurseCert } | undefined;
      const xs: number[] = [];
      const rss: number[] = [];
      const heap: number[] = [];
      gc();
      const atStart = process.memoryUsage();
      const t0 = performance.now();
      for (let i = 0; i < PAYMENTS; i++) {
        const seq = (i % PER_PURSE) + 1;
        if (seq === 1) {
          const p = await tw.world.purse({ seed: `mem-${i / PER_PURSE}`, cap: 1e9, perPaymentLimit: 1e6 });
          purse = { ...p, key: new KeySigner(p.key.secretKey(), fast) };
        }
        const bytes = await signObject('PAYMENT', { ...fields, purseCert: purse!.bytes, seq, cumulative: seq * 300, amount: 300, currency: 'EUR', payeeKind: 1, payee: 'OP-METRO', time: now } as never, purse!.key);
        const dec = await co.scan(toQrText('PAYMENT', bytes));
        if (dec.outcome !== 'approved') throw new Error(`payment ${i}: ${dec.outcome} ${dec.reason ?? ''} ${dec.detail ?? ''}`);
        if ((i + 1) % SAMPLE_EVERY === 0) {
          gc();
          const m = process.memoryUsage();
          xs.push(i + 1);
          rss.push(m.rss);
          heap.push(m.heapUsed);
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      const half = xs.findIndex((x) => x >= PAYMENTS / 2);
      const lastRss = rss[rss.length - 1]!;
      const growth = lastRss - rss[half]!;
      const per10k = (ys: number[]) => mb(slope(xs.slice(half), ys.slice(half)) * 10_000);
      return [
        { name: `RSS after ${PAYMENTS} payments (transit, ${PAYMENTS / PER_PURSE} purses, ${Math.round(seconds)} s)`, value: mb(lastRss), unit: 'MB', target: TARGET_RSS_MB, pass: mb(lastRss) <= TARGET_RSS_MB },
        { name: `RSS growth over the last ${PAYMENTS / 2} payments`, value: mb(growth), unit: 'MB', target: TARGET_GROWTH_MB, pass: mb(growth) <= TARGET_GROWTH_MB },
        { name: 'RSS after start, before the first payment (terminal + test world that signs the payments)', value: mb(atStart.rss), unit: 'MB' },
        { name: 'RSS trend over the last half (least squares)', value: per10k(rss), unit: 'MB/10k payments' },
        { name: 'V8 heap used trend over the last half, after full GC (least squares)', value: per10k(heap), unit: 'MB/10k payments' },
        { name: `V8 heap used after ${PAYMENTS} payments, after full GC (start: ${mb(atStart.heapUsed)} MB)`, value: mb(heap[heap.length - 1]!), unit: 'MB' },
      ];
    } finally {
      await d.stop();
    }
  } finally {
    tw.cleanup();
    if (shm) rmSync(shm, { recursive: true, force: true });
  }
}

if (process.argv[2] === CHILD_FLAG) {
  measure().then(
    (rows) => {
      if (process.env.TESSERA_BENCH_SMAPS) console.error(readFileSync('/proc/self/smaps_rollup', 'utf8'), process.memoryUsage());
      console.log(JSON.stringify(rows));
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
