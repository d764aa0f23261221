// Memory: RSS after 100,000 payments through the checkout on a real SQLite file, and its growth over the last half.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { KeySigner, NodeBackend, signObject, toQrText, transitFields, type PurseCert } from '#protocol';
import { createTerminalWorld } from '#terminal';
import type { BenchRow } from './types.js';

const PAYMENTS = 100_000;
const PER_PURSE = 1_000;
const SAMPLE_EVERY = 5_000;
const TARGET_RSS_MB = 100;
/** Growth allowed over the last 50,000 payments: 10 MB is 200 bytes a payment, less than one record. */
const TARGET_GROWTH_MB = 10;

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

export async function run(): Promise<BenchRow[]> {
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
        { name: 'RSS trend over the last half (least squares)', value: per10k(rss), unit: 'MB/10k payments' },
        { name: 'V8 heap used trend over the last half (least squares)', value: per10k(heap), unit: 'MB/10k payments' },
      ];
    } finally {
      await d.stop();
    }
  } finally {
    tw.cleanup();
    if (shm) rmSync(shm, { recursive: true, force: true });
  }
}
