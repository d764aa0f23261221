// A real `tessera daemon` child with a retained null ack and queued forged acks on its topic: it starts, approves, drains and restarts as usual.
import t from 'tap';
import mqtt from 'mqtt';
import { topics } from '#protocol';
import { checkNothingLost, createFaultRig, DaemonChild, until } from './harness.js';

interface Status {
  journal: { head: number; ackedUpTo: number; backlog: number };
  components: { sync?: { ignored?: Record<string, number> } };
}

t.test('a retained null ack and forged acks: the daemon survives every start, ignores and counts them, and settles through signed acks', { timeout: 120_000 }, async (t) => {
  const rig = await createFaultRig({ terminalId: 'T-HOSTILE' });
  t.teardown(() => rig.close());
  // A first start subscribes the daemon's persistent session; QoS 1 messages then wait in it while it is down.
  const boot = new DaemonChild(rig);
  t.teardown(() => boot.kill());
  await boot.ready();
  await until(async () => (await rig.api.call<{ components: { sync?: { connected?: boolean } } }>('GET', '/v1/status')).components.sync?.connected === true, 15_000, 'the first connection');
  await boot.kill('SIGTERM');
  const mallory = await mqtt.connectAsync(rig.broker.url, { clientId: 'mallory', protocolVersion: 5 });
  t.teardown(() => mallory.endAsync(true));
  await mallory.publishAsync(topics.ack(rig.terminalId), 'null', { qos: 1, retain: true });
  for (const p of ['{"upTo":1000000}', '[]', 'garbage']) await mallory.publishAsync(topics.ack(rig.terminalId), p, { qos: 1 });

  const shown = new Set<string>();
  const status = () => rig.api.call<Status>('GET', '/v1/status');
  for (const round of [1, 2]) {
    const d = new DaemonChild(rig);
    t.teardown(() => d.kill());
    await d.ready();
    await until(async () => ((await status()).components.sync?.ignored?.['ack:MALFORMED'] ?? 0) >= 1, 10_000, `round ${round}: the retained null ack handled`);
    for (let i = 0; i < 3; i++) {
      const p = await rig.pay();
      await rig.scanner.present(p.text);
      const dec = await until(() => d.decisionFor(p.txId), 10_000, 'a decision');
      t.equal(dec.outcome, 'approved', `round ${round}: payment ${i + 1} approved`);
      shown.add(p.txId);
    }
    await rig.api.call('POST', '/v1/sync', { wait: true, timeoutMs: 30_000 });
    const s = await status();
    t.equal(s.journal.backlog, 0, `round ${round}: drained through signed acks`);
    if (round === 1) t.ok((s.components.sync?.ignored?.['ack:MALFORMED'] ?? 0) >= 4, 'the null ack and the queued forged ones were all ignored and counted');
    t.ok(d.alive, `round ${round}: still running`);
    await d.kill('SIGTERM');
    t.equal((await d.exited).code, 0, `round ${round}: clean stop`);
  }
  const c = await checkNothingLost(rig, shown);
  t.same(c.problems, [], 'every approval settled exactly once');
  t.equal(c.approved, 6);
});
