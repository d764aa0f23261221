// Several clearing workers on one PostgreSQL ledger drain several terminal daemons; a random worker is SIGKILLed 30 times: nothing lost, nothing settled twice.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import t from 'tap';
import { BackOffice } from '#backoffice';
import type { Decision } from '#terminal';
import { Wallet } from '#wallet';
import { startBroker } from '../../scripts/broker.js';
import { startPostgres } from '../support/postgres.js';
import { ClearingChild } from './clearing-child.js';
import { DaemonChild, METRO, checkNothingLost, installFareConfig, provisionTransitTerminal, seededRng, sleep, until, type ProvisionedTerminal } from './harness.js';

const BO_CLI = fileURLToPath(new URL('../../backoffice/cli/main.js', import.meta.url));
const KILLS = Number(process.env.TESSERA_WORKER_KILLS ?? 30);
const TERMINALS = ['T-W1', 'T-W2', 'T-W3'];
const WORKERS = ['worker-1', 'worker-2', 'worker-3'];
/** Payments each terminal takes before any worker runs: the backlog the workers drain. */
const BACKLOG = 20;
/** Settlements between two kills, so each kill lands while the workers are clearing. */
const PROGRESS = 1;
const GROUP = 'clearing-pg';
const PAY_PAUSE_MS = 20;

t.test(`${WORKERS.length} clearing workers on PostgreSQL, ${TERMINALS.length} terminal daemons, a random worker SIGKILLed ${KILLS} times during the drain`, { timeout: 300_000 }, async (t) => {
  const seed = Number(process.env.TESSERA_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.comment(`seed ${seed} (replay with TESSERA_FAULT_SEED=${seed})`);
  const rng = seededRng(seed);
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-workers-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [server, broker] = await Promise.all([
    startPostgres(),
    // The production-shaped broker: mutual TLS, the broker rules allowing this share group, one identity per worker.
    startBroker({ clients: TERMINALS, backoffice: [...WORKERS, 'stranger'], shareGroups: [GROUP] }),
  ]);
  t.teardown(() => broker.close());
  t.teardown(() => server.close());
  const db = await server.createDatabase();
  const bo = await BackOffice.init(join(dir, 'bo'), { db });
  t.teardown(() => bo.close());
  const count = new pg.Pool({ connectionString: db, max: 1 });
  t.teardown(() => count.end());
  const settled = async () => Number((await count.query<{ n: string }>('SELECT count(*) AS n FROM settlements')).rows[0]?.n ?? 0);

  // One wallet per terminal (a wallet's sequence numbers come from one payer at a time).
  const wallets: Wallet[] = [];
  for (const [i] of TERMINALS.entries()) {
    const w = Wallet.create(join(dir, `wallet-${i}`));
    await bo.createAccount(`rider-${i}`);
    await bo.fund(`rider-${i}`, 50_000_000);
    w.importPurse(JSON.stringify((await bo.issuePurse({ account: `rider-${i}`, walletKey: w.publicKey, cap: 40_000_000, perPaymentLimit: 1_000, days: 30 })).file));
    wallets.push(w);
  }
  const terminals: ProvisionedTerminal[] = [];
  for (const id of TERMINALS) terminals.push(await provisionTransitTerminal(bo, join(dir, id), id, { brokerUrl: broker.url, tls: broker.clientFiles(id), devices: { scanner: { type: 'emulator' } } }));
  await Promise.all(terminals.map(installFareConfig));
  const daemons = terminals.map((x) => new DaemonChild(x));
  t.teardown(() => Promise.all(daemons.map((d) => d.kill('SIGKILL'))));
  await Promise.all(daemons.map((d) => d.ready()));

  // No fleet-list refresh at each start: 30 restarts would send every terminal 30 deny lists, and it is not what is tested here.
  const workerArgs = (name: string) => ['--worker-id', name, '--share-group', GROUP, '--resync-delay', '200', '--refresh-every', '0'];
  const spawnWorker = (i: number) => new ClearingChild({ brokerUrl: broker.url, home: bo.paths.home, db, tls: broker.clientFiles(WORKERS[i] as string), args: workerArgs(WORKERS[i] as string) });

  // A worker whose group the broker rules do not allow is refused at start, not left idle.
  const stray = new ClearingChild({ brokerUrl: broker.url, home: bo.paths.home, db, tls: broker.clientFiles('stranger'), args: ['--share-group', 'elsewhere'] });
  await stray.exited;
  t.not(stray.proc.exitCode, 0, 'a worker outside the allowed share groups exits non-zero');
  t.match(stray.output, /BROKER_REFUSED/);

  // Riders pay at every terminal through the whole run; the first BACKLOG payments each wait for clearing.
  const shown = terminals.map(() => new Set<string>());
  let paying = true;
  const payers = terminals.map(async (term, k) => {
    while (paying) {
      const p = await (wallets[k] as Wallet).payTransit({ operator: METRO.operatorId, line: METRO.line, max: 200 });
      const d = await term.api.call<Decision>('POST', '/v1/scan', { code: p.text });
      if (d.outcome !== 'approved' || !d.txId) throw new Error(`${term.terminalId}: a valid payment was declined: ${d.reason} ${d.detail ?? ''}`);
      shown[k]?.add(d.txId);
      // A rider every few ms per terminal: a steady stream, leaving the CPU to worker restarts.
      await sleep(PAY_PAUSE_MS);
    }
  });
  for (const p of payers) p.catch(() => undefined);
  await until(() => shown.every((s) => s.size >= BACKLOG), 120_000, 'the backlog to build up');
  t.equal(await settled(), 0, 'nothing cleared before the workers start');

  t.comment(`set-up and backlog: ${Math.round((Date.now() - t0) / 1000)} s`);
  const workers = WORKERS.map((_, i) => spawnWorker(i));
  t.teardown(() => Promise.all(workers.map((w) => w.kill('SIGKILL'))));
  const started = Date.now();
  for (let kill = 1; kill <= KILLS; kill++) {
    const before = await settled();
    await until(async () => (await settled()) >= before + PROGRESS, 120_000, `clearing progress before kill ${kill}`);
    await sleep(Math.floor(rng() * 150));
    // A random worker among those subscribed (clearing, or idle between batches), never one still starting.
    const live = await until(() => {
      const l = workers.flatMap((w, i) => (w.running ? [i] : []));
      return l.length > 0 && l;
    }, 60_000, 'a subscribed worker');
    const i = live[Math.floor(rng() * live.length)] as number;
    await (workers[i] as ClearingChild).kill('SIGKILL');
    workers[i] = spawnWorker(i);
  }
  paying = false;
  await Promise.all(payers);
  t.comment(`${KILLS} kills in ${Math.round((Date.now() - started) / 1000)} s; ${shown.reduce((n, s) => n + s.size, 0)} approvals shown`);

  // Every terminal drains through the workers standing at the end.
  await Promise.all(workers.map((w) => w.ready()));
  for (const term of terminals) {
    await term.api.call('POST', '/v1/sync', { wait: true, timeoutMs: 120_000 });
    const s = await term.api.call<{ journal: { backlog: number; head: number } }>('GET', '/v1/status');
    t.equal(s.journal.backlog, 0, `${term.terminalId}: backlog 0 (${s.journal.head} records)`);
  }
  await Promise.all(daemons.map((d) => d.kill('SIGTERM')));
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  t.comment(`drained: ${Math.round((Date.now() - t0) / 1000)} s since the start`);

  let approved = 0;
  for (const [k, term] of terminals.entries()) {
    const check = await checkNothingLost({ ...term, bo }, shown[k] as Set<string>);
    t.same(check.problems, [], `${term.terminalId}: every shown approval journaled, chain verified, each approved record settled exactly once`);
    t.equal(check.settled, check.approved, `${term.terminalId}: ${check.settled} settlements for ${check.approved} approved records`);
    approved += check.approved;
  }
  t.equal(await settled(), approved, 'no settlement that no terminal approved');
  const audit = await new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(process.execPath, [BO_CLI, 'audit', '--json'], { env: { ...process.env, NODE_OPTIONS: '', TESSERA_BACKOFFICE_HOME: bo.paths.home, TESSERA_BACKOFFICE_DB: db } }, (err, stdout) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout }),
    ),
  );
  t.equal(audit.code, 0, `tessera-backoffice audit is clean: ${audit.stdout}`);
  t.equal((JSON.parse(audit.stdout) as { ok: boolean }).ok, true);
});
