// SIGKILL clearing processes and the broker under a stream of payments: every approved record still settles exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { Decision } from '#terminal';
import { DaemonChild, checkNothingLost, createFaultRig, seededRng, sleep, until, type FaultRig } from './harness.js';

const BO = fileURLToPath(new URL('../../backoffice/cli/main.js', import.meta.url));
const WORKER_KILLS = 8;
/** After which kills the broker is SIGKILLed and restarted as well. */
const BROKER_RESTARTS = new Set([2, 5]);

/** `tessera-backoffice run` as a child process on the rig's back office and broker. */
class ClearingChild {
  readonly proc: ChildProcess;
  output = '';
  readonly exited: Promise<unknown>;

  constructor(rig: FaultRig, identity: string) {
    const f = rig.tlsFiles?.(identity);
    const tls = f ? ['--ca', f.ca, '--cert', f.cert, '--key', f.key] : [];
    this.proc = spawn(process.execPath, [BO, 'run', '--broker', rig.broker.url, ...tls, '--expire-every', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', TESSERA_BACKOFFICE_HOME: rig.bo.paths.home, TESSERA_LOG_LEVEL: 'warn' },
    });
    const keep = (d: Buffer) => {
      if (this.output.length < 20_000) this.output += d.toString();
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.proc.once('exit', resolve));
  }

  async ready(): Promise<void> {
    await until(() => {
      if (this.proc.exitCode !== null) throw new Error(`clearing exited: ${this.output}`);
      return this.output.includes('clearing running');
    }, 15_000, 'clearing to subscribe');
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    await this.exited;
  }
}

t.test(`clearing SIGKILLed ${WORKER_KILLS} times and the TLS broker twice while a terminal drains: every approved record settles exactly once`, { timeout: 300_000 }, async (t) => {
  const seed = Number(process.env.TESSERA_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.comment(`seed ${seed} (replay with TESSERA_FAULT_SEED=${seed})`);
  const rng = seededRng(seed);
  // The production-shaped broker: mutual TLS, the broker rules, one identity per clearing process.
  const identities = ['backoffice-1', 'backoffice-2'];
  const rig = await createFaultRig({ clearing: false, terminalId: 'T-CLEAR', tlsBroker: { backoffice: identities } });
  t.teardown(() => rig.close());
  const daemon = new DaemonChild(rig);
  t.teardown(() => daemon.kill('SIGKILL'));
  await daemon.ready();
  const workers = identities.map((id) => new ClearingChild(rig, id));
  t.teardown(() => Promise.all(workers.map((w) => w.kill('SIGKILL'))));
  for (const w of workers) await w.ready();

  // Riders keep paying through the whole run (the terminal journals and syncs as it goes).
  const shown = new Set<string>();
  let paying = true;
  const payer = (async () => {
    while (paying) {
      const p = await rig.pay();
      const d = await rig.api.call<Decision>('POST', '/v1/scan', { code: p.text });
      if (d.outcome !== 'approved' || !d.txId) throw new Error(`a valid payment was declined: ${d.reason} ${d.detail ?? ''}`);
      shown.add(d.txId);
    }
  })();
  payer.catch(() => undefined);

  const settled = async () => (await rig.bo.ledger.settlements()).length;
  for (let kill = 1; kill <= WORKER_KILLS; kill++) {
    // Let clearing make some progress on the live stream, then kill a worker at a random moment.
    const before = await settled();
    await until(async () => (await settled()) >= before + 5, 60_000, `clearing progress before kill ${kill}`);
    await sleep(Math.floor(rng() * 200));
    const i = rng() < 0.5 ? 0 : 1;
    await workers[i]?.kill('SIGKILL');
    if (BROKER_RESTARTS.has(kill)) {
      await rig.broker.stop('SIGKILL');
      await sleep(Math.floor(rng() * 500));
      await rig.broker.start();
    }
    const w = new ClearingChild(rig, identities[i] ?? '');
    workers[i] = w;
    await w.ready();
    t.comment(`kill ${kill}: worker ${i}${BROKER_RESTARTS.has(kill) ? ' and the broker' : ''} at ${before} settlements, ${shown.size} approvals shown`);
  }
  paying = false;
  await payer;

  // Everything the terminal journaled drains through the surviving workers; then all stop.
  await rig.api.call('POST', '/v1/sync', { wait: true, timeoutMs: 60_000 });
  await daemon.kill('SIGTERM');
  for (const w of workers) await w.kill('SIGTERM');
  const check = await checkNothingLost(rig, shown);
  t.same(check.problems, [], 'every shown approval journaled, chain verified, each approved record settled exactly once');
  t.ok(shown.size > 0 && check.approved >= shown.size, `${check.approved} approved records in the journal, ${shown.size} shown`);
  t.equal(check.settled, check.approved, `${check.settled} settlements`);
});
