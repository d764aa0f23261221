import t from 'tap';
import mqtt, { type MqttClient } from 'mqtt';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBus } from '#common';
import { signObject, KeySigner } from '#protocol';
import { createTestWorld, seededBytes, seededSecret } from '#protocol/testkit';
import { startBroker, type Broker } from '../../scripts/broker.js';
import { JournalConsumer, waitUntil } from '../support/journal-consumer.js';
import { SyncService, isNoDelay, type SyncEvents } from '../../terminal/sync/index.js';
import { fastConfig, openStore, openSyncStore, seedJournal, tempDir } from './helpers.js';
import { SYNC_ROOT } from '../support/sync-trust.js';

function tlsOpts(broker: Broker, id: string) {
  const f = broker.clientFiles(id);
  return { ca: readFileSync(f.ca), cert: readFileSync(f.cert), key: readFileSync(f.key), rejectUnauthorized: true };
}

async function client(broker: Broker, id: string, clientId: string, protocolVersion: 4 | 5): Promise<MqttClient> {
  return mqtt.connectAsync(broker.url, { clientId, protocolVersion, reconnectPeriod: 0, connectTimeout: 5_000, ...tlsOpts(broker, id) });
}

t.test('mutual TLS broker with ACL', async (t) => {
  const broker = await startBroker({ clients: ['T-A', 'T-B'] });
  t.teardown(() => broker.close());

  t.test('a terminal drains over mutual TLS with its certificate identity', async (t) => {
    const tmp = tempDir();
    t.teardown(tmp.remove);
    const store = await openSyncStore(join(tmp.dir, 'a.db'), 'T-A');
    t.teardown(() => store.stop());
    await seedJournal(store, 60);
    const consumer = new JournalConsumer({ url: broker.url, clientId: 'clearing-tls', mqtt: tlsOpts(broker, 'backoffice') });
    await consumer.start();
    t.teardown(() => consumer.stop());
    const files = broker.clientFiles('T-A');
    const sync = new SyncService({ store, terminalId: 'T-A', rootPublicKey: SYNC_ROOT.publicKey, config: fastConfig(broker.url, { tls: files }) });
    t.teardown(() => sync.stop());
    sync.start();
    await sync.drainNow(20_000);
    t.same(consumer.log('T-A').records, [...store.iterateRows()].map((r) => r.record));
    t.ok(sync.mqttClient && isNoDelay(sync.mqttClient), 'Nagle disabled on the TLS socket');
  });

  t.test('without a client certificate the broker refuses the connection', async (t) => {
    const f = broker.clientFiles('T-A');
    const err = await mqtt.connectAsync(broker.url, { clientId: 'anon', reconnectPeriod: 0, connectTimeout: 3_000, ca: readFileSync(f.ca) }, false).then(
      async (c) => {
        await c.endAsync(true);
        return undefined;
      },
      (e: unknown) => e,
    );
    t.ok(err instanceof Error, 'connection refused');
  });

  for (const pv of [5, 4] as const) {
    t.test(`MQTT ${pv === 5 ? '5' : '3.1.1'}: terminal A cannot publish to B's journal or ack or the fleet topics`, async (t) => {
      // Clearing watches the journals; terminal B watches its ack and the fleet topics.
      const bo = await client(broker, 'backoffice', `bo-${pv}`, 5);
      t.teardown(() => bo.endAsync(true));
      const seen: string[] = [];
      bo.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
      await bo.subscribeAsync('$share/clearing/tessera/v1/terminals/+/journal', { qos: 1 });
      const b = await client(broker, 'T-B', 'T-B', 5);
      t.teardown(() => b.endAsync(true));
      const atB: string[] = [];
      b.on('message', (topic, payload) => atB.push(`${topic} ${payload.toString()}`));
      await b.subscribeAsync({ 'tessera/v1/terminals/T-B/ack': { qos: 1 }, 'tessera/v1/fleet/denylist': { qos: 1 }, 'tessera/v1/fleet/trust': { qos: 1 } });

      const forbidden = ['tessera/v1/terminals/T-B/journal', 'tessera/v1/fleet/denylist', 'tessera/v1/fleet/trust', 'tessera/v1/terminals/T-B/ack'];
      for (const topic of forbidden) {
        const a = await client(broker, 'T-A', `T-A-evil-${pv}`, pv);
        const r = await a.publishAsync(topic, 'forged', { qos: 1 }).then(
          () => 'accepted',
          (e: unknown) => String((e as Error).message),
        );
        // MQTT 5 clients are told; 3.1.1 ones get a normal PUBACK and the message is dropped.
        if (pv === 5) t.match(r, /Not authorized/, `publish to ${topic} refused`);
        await a.endAsync(true);
      }
      // Allowed messages sent after the forged ones arrive after anything forged would have.
      const a = await client(broker, 'T-A', `T-A-${pv}`, pv);
      t.teardown(() => a.endAsync(true));
      await a.publishAsync('tessera/v1/terminals/T-A/journal', `marker-${pv}`, { qos: 1 });
      await bo.publishAsync('tessera/v1/terminals/T-B/ack', `ack-${pv}`, { qos: 1 });
      await waitUntil(() => seen.length > 0 && atB.length > 0, 10_000, 'the markers');
      t.same(seen, [`tessera/v1/terminals/T-A/journal marker-${pv}`], 'no forged journal reached clearing');
      t.same(atB, [`tessera/v1/terminals/T-B/ack ack-${pv}`], 'no forged ack or fleet message reached terminal B');

      const got: string[] = [];
      a.on('message', (topic) => got.push(topic));
      await t.rejects(a.subscribeAsync('tessera/v1/terminals/T-B/ack', { qos: 1 }), "subscribing to B's ack is refused");
      await a.subscribeAsync('tessera/v1/terminals/T-A/ack', { qos: 1 });
      await bo.publishAsync('tessera/v1/terminals/T-B/ack', JSON.stringify({ upTo: 1, results: [] }), { qos: 1 });
      await bo.publishAsync('tessera/v1/terminals/T-A/ack', JSON.stringify({ upTo: 1, results: [] }), { qos: 1 });
      await waitUntil(() => got.length > 0, 10_000, "A's own ack");
      t.same(got, ['tessera/v1/terminals/T-A/ack'], "A receives its own ack, never B's");
    });
  }

  t.test('fleet messages over the broker: forged and stale refused and counted, valid applied and in status()', async (t) => {
    const w = await createTestWorld();
    const tmp = tempDir();
    t.teardown(tmp.remove);
    const store = openStore(join(tmp.dir, 'b.db'), 'T-B');
    t.teardown(() => store.stop());
    const bus = new EventBus<SyncEvents>();
    const events: string[] = [];
    bus.on('fleet.applied', (e) => events.push(`applied ${e.kind} ${e.version}`));
    bus.on('fleet.refused', (e) => events.push(`refused ${e.kind} ${e.reason}`));
    const sync = new SyncService({ store, terminalId: 'T-B', rootPublicKey: w.root.publicKey, config: fastConfig(broker.url, { tls: broker.clientFiles('T-B') }), bus, clock: { now: () => w.now * 1000, monotonic: () => performance.now() } });
    t.teardown(() => sync.stop());
    sync.start();
    await waitUntil(() => sync.status().connected, 10_000, 'connection');
    const bo = await client(broker, 'backoffice', 'bo-fleet', 5);
    t.teardown(() => bo.endAsync(true));
    const send = async (topic: string, bytes: Uint8Array) => {
      const n = events.length;
      await bo.publishAsync(topic, Buffer.from(bytes), { qos: 1, retain: true });
      await waitUntil(() => events.length > n, 10_000, `the terminal to handle ${topic}`);
    };
    const mallory = new KeySigner(seededSecret('mallory'));
    const purse = seededBytes('stolen-purse', 16);
    await send('tessera/v1/fleet/trust', await signObject('TRUST_LIST', { ...w.trustList, version: 5 }, mallory));
    await send('tessera/v1/fleet/trust', w.trustBytes);
    await send('tessera/v1/fleet/denylist', seededBytes('garbage', 80));
    await send('tessera/v1/fleet/denylist', await w.fleetDenylist(4, [purse], mallory));
    await send('tessera/v1/fleet/denylist', await w.fleetDenylist(4, [purse]));
    await send('tessera/v1/fleet/denylist', await w.fleetDenylist(3, []));
    await send('tessera/v1/terminals/T-B/config', await w.fleetConfig(2, { currency: 'EUR', operatorId: 'OP-1', utcOffsetMinutes: 0, fares: [] }, 'T-B'));
    t.same(events, [
      'refused trust UNKNOWN_KEY',
      'applied trust 1',
      'refused denylist MALFORMED',
      'refused denylist UNKNOWN_KEY',
      'applied denylist 4',
      'refused denylist ROLLBACK',
      'applied config 2',
    ]);
    const st = sync.status();
    t.same(st.fleet, { trust: 1, denylist: 4, config: 2 }, 'applied versions visible in status()');
    t.same(st.refused, { UNKNOWN_KEY: 2, MALFORMED: 1, ROLLBACK: 1 }, 'refusals counted by reason');
    t.equal(store.isDenied(purse), true);

    // Retained messages come back on every reconnect: the applied ones are not counted again.
    await sync.stop();
    await bo.publishAsync('tessera/v1/fleet/denylist', Buffer.from(await w.fleetDenylist(4, [purse])), { qos: 1, retain: true });
    const again = new SyncService({ store, terminalId: 'T-B', rootPublicKey: w.root.publicKey, config: fastConfig(broker.url, { tls: broker.clientFiles('T-B') }), bus });
    t.teardown(() => again.stop());
    const before = events.length;
    again.start();
    const mc = again.mqttClient;
    if (!mc) throw new Error('no mqtt client after start()');
    // The broker queues retained messages right behind the SUBACK, so a later publish arrives after them.
    await new Promise<void>((resolve) => mc.on('packetreceive', (p) => p.cmd === 'suback' && resolve()));
    await send('tessera/v1/terminals/T-B/config', await w.fleetConfig(3, { currency: 'EUR', operatorId: 'OP-1', utcOffsetMinutes: 0, fares: [] }, 'T-B'));
    t.same(events.slice(before), ['applied config 3'], 'retained re-deliveries are neither applied nor refused again');
    t.same(again.status().refused, {});
  });
});
