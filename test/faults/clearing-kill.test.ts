// SIGKILL clearing processes and the broker under a stream of payments: every approved record still settles exactly once.
import t from 'tap';
import type { Decision } from '#terminal';
import { ClearingChild } from './clearing-child.js';
import { DaemonChild, checkNothingLost, createFaultRig, seededRng, sleep, until, type FaultRig } from './harness.js';

const WORKER_KILLS = 8;
/** After which kills the broker is SIGKILLed and restarted as well. */
const BROKER_RESTARTS = new Set([2, 5]);

const worker = (rig: FaultRig, identity: string) => new ClearingChild({ brokerUrl: rig.broker.url, home: rig.bo.paths.home, tls: rig.tlsFiles?.(identity) });

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
  const workers = identities.map((id) => worker(rig, id));
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
    const w = worker(rig, identities[i] ?? '');
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
