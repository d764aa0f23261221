import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createTerminalWorld } from '../../terminal/daemon/testing.js';
import { syncComponents } from '../../terminal/daemon/sync-component.js';
import { ControlApi } from '../../terminal/api/server.js';
import { startMosquitto } from '../support/mosquitto.js';
import { JournalConsumer, waitUntil } from '../support/journal-consumer.js';
import { toHex } from '#protocol';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../terminal/cli/main.js', import.meta.url));

t.test('the daemon syncs its journal through the broker; `tessera sync --wait` drains it; a deny list reaches the checkout', async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.close());
  const tw = await createTerminalWorld({
    mode: 'transit',
    terminalId: 'T-SYNC',
    config: { sync: { brokerUrl: broker.url, reconnectMinMs: 50, reconnectMaxMs: 200, ackTimeoutMs: 2_000 } },
  });
  t.teardown(() => tw.cleanup());
  // Real wall time for MQTT timers; the world's clock is a fixed test time for validity checks.
  const daemon = tw.daemon({ components: syncComponents, api: false });
  await daemon.start();
  t.teardown(() => daemon.stop());
  const api = new ControlApi({ daemon, config: tw.config.api });
  await api.start();
  t.teardown(() => api.stop());

  t.ok(daemon.applyUpdate(await tw.fareConfig(1)).ok, 'fare config installed');
  const purses = await Promise.all([tw.world.purse({ seed: 'a' }), tw.world.purse({ seed: 'b' }), tw.world.purse({ seed: 'c' })]);
  for (const p of purses) t.equal((await tw.scan(daemon, await tw.transitPayment(p))).outcome, 'approved');

  // Broker up but no back office yet: records wait in the outbox, unacknowledged.
  const head = daemon.store!.journalHead;
  t.equal(daemon.store!.backlog(), head, 'nothing is acknowledged without a back office');

  const consumer = new JournalConsumer({ url: broker.url, clientId: 'bo-test', signer: tw.world.clearing });
  await consumer.start();
  t.teardown(() => consumer.stop());
  const { stdout } = await run(process.execPath, [CLI, '--config', tw.configPath, 'sync', '--wait', '--json', '--timeout', '30'], { timeout: 40_000 });
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; backlog: number });
  t.equal(lines.at(-1)?.event, 'drained', 'progress ends drained (JSON lines with --json)');
  t.equal(lines.at(-1)?.backlog, 0);
  t.ok(lines.length <= head + 1, `one JSON line per change of the backlog, not per poll (${lines.length} lines)`);
  // Without --json and not on a TTY (a log, a pipe): one summary line for a human.
  const human = await run(process.execPath, [CLI, '--config', tw.configPath, 'sync', '--wait', '--timeout', '30'], { timeout: 40_000 });
  t.equal(human.stdout, 'synced: 0 record(s) acknowledged by the back office, backlog 0\n');
  t.equal(daemon.store!.backlog(), 0);
  t.equal(consumer.terminals.get('T-SYNC')?.records.length, head, 'the back office got every record once, in order');
  // The back office's signed ack is kept with the cursor: verify-journal checks the journal against it.
  const verified = await run(process.execPath, [CLI, '--config', tw.configPath, 'verify-journal', '--json'], { timeout: 40_000 });
  t.match(JSON.parse(verified.stdout), { ok: true, records: head, ack: { upTo: head } }, 'the journal is anchored by the ack clearing signed');

  // A deny list published by the back office reaches this validator through the broker.
  const denied = purses[0]!;
  const dl = await tw.world.fleetDenylist(1, [denied.cert.purseId]);
  const pub = consumer['client'] as unknown as { publishAsync(t: string, p: Buffer, o: object): Promise<unknown> };
  await pub.publishAsync('tessera/v1/fleet/denylist', Buffer.from(dl), { qos: 1, retain: true });
  await waitUntil(() => daemon.store!.isDenied(denied.cert.purseId), 10_000, 'deny list applied').catch((e: unknown) => { console.error(JSON.stringify(daemon.status().components)); throw e; });
  const d = await tw.scan(daemon, await tw.transitPayment(denied, { seq: 2, cumulative: 600 }));
  t.equal(d.outcome, 'declined');
  t.equal(d.reason, 'REVOKED', `purse ${toHex(denied.cert.purseId)} refused after the deny list arrived`);
});
