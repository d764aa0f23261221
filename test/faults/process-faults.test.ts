// Process-level faults on a child daemon: broker SIGKILLed mid-drain, scanner pty removed and recreated, corrupt database at start.
import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createTerminalWorld } from '../../terminal/daemon/testing.js';
import { syncComponents, type SyncComponent } from '../../terminal/daemon/sync-component.js';
import { startMosquitto } from '../support/mosquitto.js';
import { checkNothingLost, createFaultRig, DaemonChild, drainAndStop, sleep, until } from './harness.js';

interface Status {
  journal: { head: number; ackedUpTo: number; backlog: number };
  devices: { scanner: { state: string } };
  components: { sync?: { connected?: boolean; inFlight?: { messages: number } } };
}

t.test('broker SIGKILLed before and during a drain, scanner pty unplugged and replugged: every record settles once', { timeout: 170_000 }, async (t) => {
  const rig = await createFaultRig({ terminalId: 'T-BROKER' });
  t.teardown(() => rig.close());
  const shown = new Set<string>();
  const d = new DaemonChild(rig);
  t.teardown(() => d.kill());
  await d.ready();
  const status = () => rig.api.call<Status>('GET', '/v1/status');
  const scan = async (): Promise<void> => {
    const p = await rig.pay();
    await rig.scanner.present(p.text);
    const dec = await until(() => d.decisionFor(p.txId), 10_000, 'a decision');
    if (dec.outcome !== 'approved') throw new Error(`declined: ${dec.reason} ${dec.detail ?? ''}`);
    shown.add(p.txId);
  };

  // The broker crashes: payments go on offline.
  await rig.broker.stop('SIGKILL');
  for (let i = 0; i < 30; i++) await scan();
  t.equal((await status()).journal.backlog, 30, 'approved offline, waiting in the outbox');

  // Broker back, back office not: the terminal publishes its window and waits for acks; then the broker dies again.
  await rig.stopClearing();
  await rig.broker.start();
  await until(async () => ((await status()).components.sync?.inFlight?.messages ?? 0) > 0, 15_000, 'batches published and unacknowledged');
  await rig.broker.stop('SIGKILL');
  await rig.broker.start();
  await rig.startClearing();
  // Kill it once more as soon as the first acks land (mid-drain), with payments still coming in.
  await until(async () => (await status()).journal.ackedUpTo > 0, 20_000, 'first acks');
  await rig.broker.stop('SIGKILL');
  for (let i = 0; i < 10; i++) await scan();
  await rig.broker.start();
  await rig.api.call('POST', '/v1/sync', { wait: true, timeoutMs: 30_000 });
  const s = await status();
  t.equal(s.journal.backlog, 0, 'drained after three broker crashes');
  t.equal(s.journal.head, 40);

  // The scanner's cable is pulled and put back: the driver reconnects by itself, the next code is decided.
  await rig.scanner.unplug();
  await until(async () => (await status()).devices.scanner.state !== 'connected', 10_000, 'the scanner to be seen gone');
  t.ok(d.alive, 'the daemon runs on without its scanner');
  await rig.scanner.replug();
  await until(async () => (await status()).devices.scanner.state === 'connected', 10_000, 'the scanner to reconnect');
  await scan();
  t.ok(d.alive);
  await d.kill('SIGTERM');
  t.match(await d.exited, { code: 0 }, 'clean stop after all of it (no crash)');

  await drainAndStop(rig);
  const check = await checkNothingLost(rig, shown);
  t.same(check.problems, [], 'every approval journaled, verified, settled exactly once (re-sent batches were duplicates)');
  t.equal(check.settled, 41);

  // Corrupt database at start: exit code and a clear message, the file untouched, the same answer every time.
  const bytes = readFileSync(rig.dbPath);
  bytes.fill(0x5a, 100, 8192);
  writeFileSync(rig.dbPath, bytes);
  const hash = () => createHash('sha256').update(readFileSync(rig.dbPath)).digest('hex');
  const before = hash();
  for (let attempt = 1; attempt <= 2; attempt++) {
    const c = new DaemonChild(rig);
    const exit = await Promise.race([c.exited, sleep(20_000).then(() => undefined)]);
    await c.kill();
    t.match(exit, { code: 1 }, `start ${attempt}: exits non-zero (systemd restarts it after RestartSec; it never runs on a damaged journal)`);
    t.match(c.stderr, /tessera: DB_CORRUPT: database .* is damaged .*it was not modified/, 'one-line reason naming the file');
  }
  t.equal(hash(), before, 'the damaged file is left exactly as it was');
});

t.test('a drain asked for while sync is still starting waits for it (no "sync not started")', async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.close());
  const tw = await createTerminalWorld({ mode: 'transit', terminalId: 'T-EARLY', config: { sync: { brokerUrl: broker.url, reconnectMinMs: 50, reconnectMaxMs: 200 } } });
  t.teardown(() => tw.cleanup());
  let sync: SyncComponent | undefined;
  const d = tw.daemon({ api: false, components: (ctx) => ((sync = syncComponents(ctx)[0] as SyncComponent), []) });
  await d.start();
  t.teardown(() => d.stop());
  // As the control API does while the daemon is still starting its components.
  void sync!.start();
  await t.resolves(sync!.drainNow(10_000), 'the drain waits for the start and completes (empty backlog)');
  await sync!.stop();
});
