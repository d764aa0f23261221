import t from 'tap';
import { join } from 'node:path';
import { EventBus, isTesseraError } from '#common';
import { startBroker } from '../../scripts/broker.js';
import { JournalConsumer, waitUntil } from '../support/journal-consumer.js';
import { SyncService, isNoDelay, type SyncEvents } from '../../terminal/sync/index.js';
import type { Store } from '../../terminal/store/index.js';
import { fastConfig, openSyncStore, seedJournal, tempDir } from './helpers.js';
import { SYNC_ROOT } from '../support/sync-trust.js';

const ROOT = SYNC_ROOT.publicKey;

function journalOf(store: Store): Uint8Array[] {
  return [...store.iterateRows()].map((r) => r.record);
}

t.test('a 500-record backlog drains completely; the back office gets each record once, in order', async (t) => {
  const broker = await startBroker({ tls: false });
  t.teardown(() => broker.close());
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const store = await openSyncStore(join(tmp.dir, 't.db'), 'T-DRAIN');
  t.teardown(() => store.stop());
  await seedJournal(store, 500);
  const consumer = new JournalConsumer({ url: broker.url });
  await consumer.start();
  t.teardown(() => consumer.stop());
  const bus = new EventBus<SyncEvents>();
  const progress: number[] = [];
  bus.on('sync.progress', (p) => progress.push(p.backlog));
  const sync = new SyncService({ store, terminalId: 'T-DRAIN', rootPublicKey: ROOT, config: fastConfig(broker.url, { batchSize: 50 }), bus, version: '9.9.9' });
  t.teardown(() => sync.stop());
  sync.start();
  await sync.drainNow(20_000);
  t.equal(store.backlog(), 0, 'backlog is 0');
  const log = consumer.log('T-DRAIN');
  t.equal(log.upTo, 500);
  t.same(log.records, journalOf(store), 'the back office holds exactly the journal, in order');
  t.equal(log.gaps, 0, 'no batch arrived out of order');
  const st = sync.status();
  t.match(st, { connected: true, backlog: 0, journalHead: 500, ackedUpTo: 500, inFlight: { messages: 0, records: 0 } });
  t.type(st.lastSyncMs, 'number', 'last sync recorded');
  t.equal(progress.at(-1), 0, 'progress events reach 0');
  t.ok(sync.mqttClient && isNoDelay(sync.mqttClient), "Nagle is disabled on the terminal's socket");

  // New records after the drain go out on notify().
  await seedJournal(store, 7, 'later');
  sync.notify();
  await waitUntil(() => consumer.upTo('T-DRAIN') === 507 && store.backlog() === 0, 10_000, 'the 7 new records');
  t.same(consumer.log('T-DRAIN').records, journalOf(store));
});

t.test('broker SIGKILLed and restarted mid-drain: nothing lost, order kept', async (t) => {
  const broker = await startBroker({ tls: false });
  t.teardown(() => broker.close());
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const store = await openSyncStore(join(tmp.dir, 't.db'), 'T-BROKER');
  t.teardown(() => store.stop());
  await seedJournal(store, 500);
  const consumer = new JournalConsumer({ url: broker.url, hold: true });
  await consumer.start();
  t.teardown(() => consumer.stop());
  const sync = new SyncService({ store, terminalId: 'T-BROKER', rootPublicKey: ROOT, config: fastConfig(broker.url) });
  t.teardown(() => sync.stop());
  sync.start();
  // A full window (4 × 20) is in flight and half of it acknowledged when the broker dies.
  await waitUntil(() => consumer.upTo('T-BROKER') >= 80, 10_000, 'a full window at the consumer');
  consumer.ack('T-BROKER', 40);
  await waitUntil(() => store.ackedUpTo() === 40, 10_000, 'the partial ack');
  t.match(sync.status().inFlight, { messages: 4, records: 80 }, 'records 41–120 in flight, unacknowledged');
  await broker.stop('SIGKILL');
  await waitUntil(() => !sync.status().connected, 10_000, 'the terminal to notice');
  await broker.start();
  consumer.release();
  await sync.drainNow(30_000);
  const log = consumer.log('T-BROKER');
  t.equal(log.upTo, 500);
  t.same(log.records, journalOf(store), 'every record once, in journal order');
  t.ok(sync.status().connects >= 2, 'the terminal reconnected to the restarted broker');
});

t.test('broker down at start (connection refused), up later: the backlog drains', async (t) => {
  const broker = await startBroker({ tls: false });
  t.teardown(() => broker.close());
  await broker.stop();
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const store = await openSyncStore(join(tmp.dir, 't.db'), 'T-LATE');
  t.teardown(() => store.stop());
  await seedJournal(store, 300);
  const sync = new SyncService({ store, terminalId: 'T-LATE', rootPublicKey: ROOT, config: fastConfig(broker.url) });
  t.teardown(() => sync.stop());
  sync.start();
  const early = sync.drainNow(300).catch((e: unknown) => e);
  const err = await early;
  t.ok(isTesseraError(err, 'SYNC_TIMEOUT'), 'drainNow rejects with SYNC_TIMEOUT while the broker is unreachable');
  t.match(sync.status(), { connected: false, backlog: 300 });
  await waitUntil(() => sync.status().lastError !== null, 5_000, 'a connection error');
  await broker.start();
  const consumer = new JournalConsumer({ url: broker.url });
  await consumer.start();
  t.teardown(() => consumer.stop());
  await sync.drainNow(20_000);
  t.same(consumer.log('T-LATE').records, journalOf(store), 'every record once, in journal order');
  t.equal(sync.status().connected, true);
  t.ok(sync.status().connects >= 1);
});

t.test('the retained status says online with the backlog, and offline after stop()', async (t) => {
  const broker = await startBroker({ tls: false });
  t.teardown(() => broker.close());
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const store = await openSyncStore(join(tmp.dir, 't.db'), 'T-STATUS');
  t.teardown(() => store.stop());
  await seedJournal(store, 3);
  const sync = new SyncService({
    store,
    terminalId: 'T-STATUS',
    rootPublicKey: ROOT,
    config: fastConfig(broker.url),
    version: '1.2.3',
    devices: () => ({ scanner: 'ok', printer: 'paper-out' }),
  });
  sync.start();
  const mqtt = (await import('mqtt')).default;
  const watcher = await mqtt.connectAsync(broker.url, { clientId: 'status-watcher' });
  t.teardown(() => watcher.endAsync(true));
  const seen: Record<string, unknown>[] = [];
  watcher.on('message', (_t, p) => seen.push(JSON.parse(p.toString()) as Record<string, unknown>));
  await watcher.subscribeAsync('tessera/v1/terminals/T-STATUS/status', { qos: 1 });
  await waitUntil(() => seen.some((s) => s.state === 'online'), 10_000, 'an online status');
  t.match(seen.find((s) => s.state === 'online'), { state: 'online', backlog: 3, version: '1.2.3', devices: { scanner: 'ok', printer: 'paper-out' }, clock: Number });
  await sync.stop();
  await waitUntil(() => seen.at(-1)?.state === 'offline', 10_000, 'the offline status');
  t.same(seen.at(-1), { state: 'offline' });
});
