// Memory: the daemon's RSS after 100,000 payments (spawned as deployed, fed over its control API), and its growth over the last half.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeySigner, NodeBackend, signObject, toQrText, type PurseCert } from '#protocol';
import { transitFields } from '#protocol/testkit';
import { ApiClient } from '#terminal';
import { createTerminalWorld } from '#terminal/testkit';
import type { BenchRow } from './types.js';

const PAYMENTS = Number(process.env.TESSERA_BENCH_PAYMENTS ?? 100_000);
const PER_PURSE = 1_000;
const SAMPLE_EVERY = 5_000;
const TARGET_RSS_MB = 100;
/** Growth allowed over the last 50,000 payments: 10 MB is 200 bytes a payment, less than one record. */
const TARGET_GROWTH_MB = 10;
const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const MAIN = resolve(here, '../terminal/cli/main.js');
const UNIT = resolve(here, '../../systemd/tessera.service');

/**
 * The environment systemd gives the daemon (the unit's `Environment=` lines, NODE_OPTIONS among
 * them), so the bench measures the process as deployed. TESSERA_BENCH_NODE_OPTIONS overrides
 * NODE_OPTIONS (e.g. '' for V8's defaults).
 */
export function unitEnvironment(unitText: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of unitText.split('\n')) {
    const m = /^Environment=(.*)$/.exec(line.trim());
    if (!m) continue;
    // As systemd splits them: whitespace-separated assignments, each optionally in double or single quotes.
    for (const w of (m[1] as string).matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
      const kv = w[1] ?? w[2] ?? w[3] ?? '';
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  return env;
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

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

async function waitForApi(api: ApiClient, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode} at start`);
    try {
      await api.call('GET', '/v1/status');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('daemon control API not up within 10 s');
}

export async function run(): Promise<BenchRow[]> {
  // The database is a real SQLite file (WAL, synchronous=FULL) on tmpfs when there is one: this section
  // measures memory, and 100,000 fsyncs on a shared disk would take minutes without changing it.
  const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/tessera-mem-') : undefined;
  const tw = await createTerminalWorld({
    mode: 'transit',
    seed: 'memory',
    now: Math.floor(Date.now() / 1000),
    config: {
      limits: { maxPerPurseOffline: 1e12, maxUnsyncedPayments: 1e9, maxUnsyncedAmount: 1e12 },
      transit: { resultDisplaySeconds: 3 },
      api: { allowScanInjection: true },
      log: { level: 'warn' },
      ...(shm ? { database: { path: join(shm, 'terminal.db') } } : {}),
    },
  });
  let child: ChildProcess | undefined;
  try {
    // The fare configuration is installed first, as provisioning would; then the daemon runs headless
    // (no devices configured: the null display, as on a validator whose panel is off) in its own process.
    const setup = tw.daemon({ api: false });
    await setup.start();
    const applied = await setup.checkout!.scan(await tw.fareConfig(1));
    await setup.stop();
    if (applied.outcome !== 'fleet-applied') throw new Error(`fare config not applied: ${applied.reason ?? ''}`);
    const cfg = JSON.parse(readFileSync(tw.configPath, 'utf8')) as Record<string, unknown>;
    delete cfg.devices;
    writeFileSync(tw.configPath, JSON.stringify(cfg, null, 2));

    const unitEnv = unitEnvironment(readFileSync(UNIT, 'utf8'));
    const nodeOptions = process.env.TESSERA_BENCH_NODE_OPTIONS ?? unitEnv.NODE_OPTIONS ?? '';
    child = spawn(process.execPath, [MAIN, 'daemon', '--config', tw.configPath], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...unitEnv, NODE_OPTIONS: nodeOptions, TESSERA_CONFIG: tw.configPath },
    });
    const pid = child.pid!;
    const api = new ApiClient({ socketPath: tw.config.api.socket });
    await waitForApi(api, child);
    const atStart = rssKb(pid);

    // The riders' wallets live here, in the bench process: signing is not the terminal's memory.
    const fast = new NodeBackend();
    let purse: { key: KeySigner; bytes: Uint8Array; cert: PurseCert } | undefined;
    const xs: number[] = [];
    const rss: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < PAYMENTS; i++) {
      const seq = (i % PER_PURSE) + 1;
      if (seq === 1) {
        const p = await tw.world.purse({ seed: `mem-${i / PER_PURSE}`, cap: 1e9, perPaymentLimit: 1e6 });
        purse = { ...p, key: new KeySigner(p.key.secretKey(), fast) };
      }
      // The daemon runs on the real clock: each code is signed now, as a rider's phone would.
      const now = Math.floor(Date.now() / 1000);
      const bytes = await signObject('PAYMENT', { ...transitFields(now, { max: 300 }), purseCert: purse!.bytes, seq, cumulative: seq * 300, amount: 300, currency: 'EUR', payeeKind: 1, payee: 'OP-METRO', time: now } as never, purse!.key);
      const dec = await api.call<{ outcome: string; reason?: string }>('POST', '/v1/scan', { code: toQrText('PAYMENT', bytes) });
      if (dec.outcome !== 'approved') throw new Error(`payment ${i}: ${dec.outcome} ${dec.reason ?? ''}`);
      if ((i + 1) % SAMPLE_EVERY === 0) {
        xs.push(i + 1);
        rss.push(rssKb(pid));
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    // Where the resident memory is (anonymous vs file-backed), for the next engineer chasing it.
    if (process.env.TESSERA_BENCH_SMAPS) writeFileSync(process.env.TESSERA_BENCH_SMAPS, readFileSync(`/proc/${pid}/smaps`, "utf8"));
    const half = xs.findIndex((x) => x >= PAYMENTS / 2);
    const last = rss[rss.length - 1]!;
    const peak = Math.max(...rss);
    return [
      { name: `daemon RSS after ${PAYMENTS} payments (transit, ${PAYMENTS / PER_PURSE} purses over the control API, ${Math.round(seconds)} s; NODE_OPTIONS='${nodeOptions}')`, value: mb(last), unit: 'MB', target: TARGET_RSS_MB, pass: mb(last) <= TARGET_RSS_MB },
      { name: 'daemon RSS peak over the samples (every 5,000 payments)', value: mb(peak), unit: 'MB', target: TARGET_RSS_MB, pass: mb(peak) <= TARGET_RSS_MB },
      { name: `daemon RSS growth over the last ${PAYMENTS / 2} payments`, value: mb(last - rss[half]!), unit: 'MB', target: TARGET_GROWTH_MB, pass: mb(last - rss[half]!) <= TARGET_GROWTH_MB },
      { name: 'daemon RSS after start, before the first payment', value: mb(atStart), unit: 'MB' },
      { name: 'daemon RSS trend over the last half (least squares)', value: mb(slope(xs.slice(half), rss.slice(half)) * 10_000), unit: 'MB/10k payments' },
    ];
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    tw.cleanup();
    if (shm) rmSync(shm, { recursive: true, force: true });
  }
}
