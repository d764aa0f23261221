// Bench: settlement throughput of 1 and 2 `tessera-backoffice run` workers on one PostgreSQL ledger, fed through mosquitto's $share, vs bare signature checks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import pg from 'pg';
import { BackOffice, SimulatedTerminal } from '#backoffice';
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
const WORKER_COUNTS = [1, 2];

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
    for (const n of WORKER_COUNTS) {
      const db = await copyDatabase(server.url(), 'bench_workers_template', `bench_workers_${n}`);
      const rate = await drain(home, db, broker.url, n, batches);
      rows.push(
        ratioRow(
          `settlement through MQTT $share (${RECORDS} records, ${TERMINALS} terminals, batches of ${BATCH}, PostgreSQL ledger, ${n} worker${n > 1 ? 's' : ''}: run processes)`,
          rate,
          'records/s',
          floor,
          '3 × P-256 verify per record (node:crypto, one core)',
        ),
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
async function drain(home: string, db: string, brokerUrl: string, n: number, batches: Map<string, Uint8Array[]>): Promise<number> {
  const workers = Array.from({ length: n }, (_, i) => startWorker(home, db, brokerUrl, `bench-${n}-${i}`));
  const client = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, clientId: `bench-fleet-${n}` });
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
    const t0 = performance.now();
    // Round-robin over terminals, each terminal's batches in order, as a fleet's sync windows would send them.
    const rounds = Math.max(...[...batches.values()].map((l) => l.length));
    const pubs: Promise<unknown>[] = [];
    for (let r = 0; r < rounds; r++) for (const [id, list] of batches) if (list[r]) pubs.push(client.publishAsync(topics.journal(id), Buffer.from(list[r] as Uint8Array), { qos: 1 }));
    await Promise.all(pubs);
    await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error(`bench: not every terminal acked within 300 s (${JSON.stringify([...acked])})`)), 300_000).unref())]);
    const seconds = (performance.now() - t0) / 1000;
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    const settled = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM settlements')).rows[0]?.n);
    await c.end();
    if (settled !== RECORDS) throw new Error(`bench: settled ${settled} of ${RECORDS}`);
    return RECORDS / seconds;
  } finally {
    await client.endAsync();
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** A `tessera-backoffice run` child on the ledger; ready once subscribed. */
function startWorker(home: string, db: string, brokerUrl: string, name: string): { ready: Promise<void>; stop(): Promise<void> } {
  const proc: ChildProcess = spawn(process.execPath, [BO_CLI, 'run', '--broker', brokerUrl, '--worker-id', name, '--expire-every', '0', '--refresh-every', '0'], {
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
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
