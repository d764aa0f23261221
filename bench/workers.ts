// Bench: settlement throughput of 1 and 2 `tessera-backoffice run` workers (one batch at a time or several) on one PostgreSQL ledger, fed through mosquitto's $share, vs bare signature checks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import pg from 'pg';
import { BackOffice } from '#backoffice';
import { SimulatedTerminal } from '#backoffice/testkit';
import { decodeObject, topics } from '#protocol';
import { Wallet } from '#wallet';
import { startMosquitto } from '../test/support/mosquitto.js';
import { startPostgres } from '../test/support/postgres.js';
import { verifyFloor } from './settlement.js';
import { ratioRow, type BenchRow } from './types.js';

const BO_CLI = fileURLToPath(new URL('../backoffice/cli/main.js', import.meta.url));
const RECORDS = Number(process.env.BENCH_WORKERS_RECORDS ?? 2_400);
const TERMINALS = 4;
const WALLETS = 20;
const BATCH = 200;
/** Workers × batches each clears at once: one batch at a time shows what the bounded concurrency buys. */
const RUNS = [
  { workers: 1, concurrency: 1 },
  { workers: 1, concurrency: 4 },
  { workers: 2, concurrency: 4 },
];

export async function run(): Promise<BenchRow[]> {
  const floor = await verifyFloor();
  const [server, broker] = await Promise.all([startPostgres(), startMosquitto()]);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-workers-'));
  try {
    // One ledger with terminals and purses, copied (CREATE DATABASE … TEMPLATE) for each run, so every
    // run clears the same signed records from the same starting state.
    const template = await server.createDatabase('bench_workers_template');
    const { home, batches } = await prepare(dir, template);
    const rows: BenchRow[] = [];
    for (const r of RUNS) {
      const db = await copyDatabase(server.url(), 'bench_workers_template', `bench_workers_${r.workers}_${r.concurrency}`);
      const { rate, perCpuSecond } = await drain(home, db, broker.url, r, batches);
      rows.push(
        ratioRow(
          `settlement through MQTT $share (${RECORDS} records, ${TERMINALS} terminals, batches of ${BATCH}, PostgreSQL ledger, ${r.workers} worker${r.workers > 1 ? 's' : ''} × ${r.concurrency} batch${r.concurrency > 1 ? 'es' : ''} at once: run processes)`,
          rate,
          'records/s',
          floor,
          '3 × P-256 verify per record (node:crypto, one core)',
        ),
        // The workers' own CPU per record, which the load of other processes on the box does not change.
        ratioRow(`…the same, records per CPU-second of the worker processes (${r.workers} × ${r.concurrency})`, perCpuSecond, 'records/CPU-s', floor, '3 × P-256 verify per record (CPU time)'),
      );
    }
    return rows;
  } finally {
    await broker.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Prepared {
  home: string;
  /** Per terminal, its journal in batches (in order). */
  batches: Map<string, Uint8Array[]>;
}

/** A back office on `db` with TERMINALS merchant terminals and WALLETS funded purses, and RECORDS signed journal records. */
async function prepare(dir: string, db: string): Promise<Prepared> {
  const home = join(dir, 'bo');
  const bo = await BackOffice.init(home, { db });
  try {
    const terms: SimulatedTerminal[] = [];
    for (let i = 0; i < TERMINALS; i++) {
      const term = new SimulatedTerminal(`T-BENCH-${i}`, bo.trust);
      const issued = await bo.issueTerminal(await term.enrolmentRequest(), { mode: 'merchant', merchantId: `M-BENCH-${i % 2}`, displayName: 'Bench' });
      term.install(issued.bundle.terminalCert);
      terms.push(term);
    }
    const wallets: Wallet[] = [];
    for (let i = 0; i < WALLETS; i++) {
      const w = Wallet.create(join(dir, `w${i}`));
      await bo.createAccount(`a${i}`);
      await bo.fund(`a${i}`, 10_000_000);
      w.importPurse(JSON.stringify((await bo.issuePurse({ account: `a${i}`, walletKey: w.publicKey, cap: 10_000_000, perPaymentLimit: 1_000, days: 30 })).file));
      wallets.push(w);
    }
    process.stderr.write(`workers: preparing ${RECORDS} signed records…\n`);
    for (let i = 0; i < RECORDS; i++) {
      const term = terms[i % TERMINALS] as SimulatedTerminal;
      const pay = await (wallets[i % WALLETS] as Wallet).payMerchant(await term.requestPayment(100 + (i % 50), 'EUR'));
      const d = await term.accept(pay.text);
      if (!d.approved) throw new Error(`bench setup: payment ${i} declined (${d.reason})`);
    }
    const batches = new Map<string, Uint8Array[]>();
    for (const term of terms) {
      const list: Uint8Array[] = [];
      for (let i = 0; i < term.journal.length; i += BATCH) list.push(term.batch(term.journal.slice(i, i + BATCH)));
      batches.set(term.terminalId, list);
    }
    return { home, batches };
  } finally {
    // The template must have no connection left when it is copied.
    await bo.close();
  }
}

async function copyDatabase(adminUrl: string, template: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template)}`);
  } finally {
    await c.end();
  }
  return adminUrl.replace(/\/[^/]*$/, `/${name}`);
}

/**
 * Starts `n` workers on `db`, publishes every terminal's batches at once (a fleet coming back
 * online), and times until each terminal holds an ack for its whole journal. Records per second.
 */
async function drain(home: string, db: string, brokerUrl: string, r: { workers: number; concurrency: number }, batches: Map<string, Uint8Array[]>): Promise<{ rate: number; perCpuSecond: number }> {
  const name = `${r.workers}x${r.concurrency}`;
  const workers = Array.from({ length: r.workers }, (_, i) => startWorker(home, db, brokerUrl, `bench-${name}-${i}`, r.concurrency));
  const client = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, clientId: `bench-fleet-${name}` });
  try {
    await Promise.all(workers.map((w) => w.ready));
    const want = new Map([...batches].map(([id]) => [id, RECORDS / TERMINALS]));
    const acked = new Map<string, number>();
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    client.on('message', (topic, payload) => {
      const id = topic.split('/')[3] as string;
      const a = decodeObject('ACK', new Uint8Array(payload));
      if (!a.ok) return;
      acked.set(id, Math.max(acked.get(id) ?? 0, a.value.value.upTo));
      if ([...want].every(([t, upTo]) => (acked.get(t) ?? 0) >= upTo)) done();
    });
    await client.subscribeAsync(topics.ack('+'), { qos: 1 });
    const cpu0 = workers.reduce((n, w) => n + w.cpuMs(), 0);
    const t0 = performance.now();
    // Round-robin over terminals, each terminal's batches in order, as a fleet's sync windows would send them.
    const rounds = Math.max(...[...batches.values()].map((l) => l.length));
    const pubs: Promise<unknown>[] = [];
    for (let r = 0; r < rounds; r++) for (const [id, list] of batches) if (list[r]) pubs.push(client.publishAsync(topics.journal(id), Buffer.from(list[r] as Uint8Array), { qos: 1 }));
    await Promise.all(pubs);
    await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`bench: not every terminal acked within 300 s (${JSON.stringify([...acked])})`)), 300_000).unref())]);
    const seconds = (performance.now() - t0) / 1000;
    const cpuSeconds = (workers.reduce((n, w) => n + w.cpuMs(), 0) - cpu0) / 1000;
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    const settled = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM settlements')).rows[0]?.n);
    await c.end();
    if (settled !== RECORDS) throw new Error(`bench: settled ${settled} of ${RECORDS}`);
    return { rate: RECORDS / seconds, perCpuSecond: RECORDS / cpuSeconds };
  } finally {
    await client.endAsync();
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** A `tessera-backoffice run` child on the ledger; ready once subscribed. */
/** CPU time (user + system, ms) a live process has used so far, from /proc (clock ticks of 10 ms). */
function processCpuMs(pid: number | undefined): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function startWorker(home: string, db: string, brokerUrl: string, name: string, concurrency: number): { ready: Promise<void>; cpuMs(): number; stop(): Promise<void> } {
  const args = ['run', '--broker', brokerUrl, '--worker-id', name, '--concurrency', String(concurrency), '--expire-every', '0', '--refresh-every', '0'];
  const proc: ChildProcess = spawn(process.execPath, [BO_CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', TESSERA_BACKOFFICE_HOME: home, TESSERA_BACKOFFICE_DB: db, TESSERA_LOG_LEVEL: 'warn' },
  });
  let out = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const keep = (d: Buffer) => {
      out += d.toString();
      if (out.includes('clearing running')) resolve();
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    void exited.then(() => reject(new Error(`bench worker ${name} exited: ${out}`)));
  });
  return {
    ready,
    cpuMs: () => processCpuMs(proc.pid),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
