// A stolen terminal certificate against the shipped broker rules (real mosquitto, mutual TLS, dynamic-security roles).
import t from 'tap';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startBroker, type Broker } from '../../scripts/broker.js';
import { waitUntil } from '../support/journal-consumer.js';

const SHARE = '$share/clearing/tessera/v1/terminals/+/journal';

async function client(broker: Broker, id: string, o: IClientOptions = {}): Promise<MqttClient> {
  const f = broker.clientFiles(id);
  return mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000, ca: readFileSync(f.ca), cert: readFileSync(f.cert), key: readFileSync(f.key), ...o });
}

/** 'granted', or the broker's refusal as mqtt.js reports it. */
function trySubscribe(c: MqttClient, topic: string): Promise<string> {
  return new Promise((resolve) => c.subscribe(topic, { qos: 1 }, (err, granted) => resolve(err ? err.message : (granted ?? []).every((g) => g.qos < 0x80) ? 'granted' : `refused ${granted?.[0]?.qos}`)));
}

// The shipped production file itself (paths substituted), and the test broker's generated configuration.
const DOCS_CONFIG = readFileSync(fileURLToPath(new URL('../../../docs/mosquitto.conf.example', import.meta.url)), 'utf8');

for (const flavour of ['docs/mosquitto.conf.example', 'scripts/broker.ts'] as const) t.test(`a terminal certificate against the broker rules of ${flavour}`, async (t) => {
  const broker = await startBroker({ clients: ['T-A', 'T-B', 'T-C'], ...(flavour === 'docs/mosquitto.conf.example' ? { configTemplate: DOCS_CONFIG } : {}) });
  t.teardown(() => broker.close());

  t.test('a stolen certificate cannot join $share/clearing: clearing still sees 100 of 100 batches', async (t) => {
    const seen: string[] = [];
    const clearing = await client(broker, 'backoffice', { clientId: 'clearing-1', clean: true });
    t.teardown(() => clearing.endAsync(true));
    clearing.on('message', (_topic, payload) => seen.push(payload.toString()));
    await clearing.subscribeAsync(SHARE, { qos: 1 });

    // Nine connections of the stolen certificate, each asking for its own client id and trying to join the group.
    const thieves: MqttClient[] = [];
    const got: string[] = [];
    const refusals: string[] = [];
    for (let i = 0; i < 9; i++) {
      const c = await client(broker, 'T-A', { clientId: `thief-${i}`, clean: true });
      thieves.push(c);
      c.on('message', (topic) => got.push(topic));
      for (const topic of [SHARE, '$share/clearing/tessera/v1/terminals/T-B/journal', '$share/other/tessera/v1/terminals/+/journal', 'tessera/v1/terminals/+/journal', '#']) refusals.push(await trySubscribe(c, topic));
    }
    t.teardown(() => Promise.all(thieves.map((c) => c.endAsync(true))));
    t.same([...new Set(refusals)], ['Subscribe error: Not authorized'], 'every subscription of the stolen certificate outside its own topics is refused');
    // The broker made every connection client id T-A: each new one took over the previous one.
    await waitUntil(() => thieves.slice(0, 8).every((c) => !c.connected), 10_000, 'the earlier thief connections to be closed');
    t.ok(thieves[8]?.connected, 'the last thief connection is still up while the batches flow');

    const b = await client(broker, 'T-B', { clientId: 'T-B', clean: true });
    t.teardown(() => b.endAsync(true));
    for (let i = 0; i < 100; i++) await b.publishAsync('tessera/v1/terminals/T-B/journal', `batch-${i}`, { qos: 1 });
    await waitUntil(() => seen.length >= 100, 20_000, '100 batches at clearing');
    t.same(seen, Array.from({ length: 100 }, (_, i) => `batch-${i}`), 'clearing received every batch, in order');
    t.same(got, [], 'the stolen certificate received nothing');
  });

  for (const pv of [5, 4] as const) {
    t.test(`MQTT ${pv === 5 ? '5' : '3.1.1'}: a terminal subscribes only to its own ack, resync and config and the fleet topics`, async (t) => {
      const a = await client(broker, 'T-A', { clientId: 'T-A', clean: true, protocolVersion: pv });
      t.teardown(() => a.endAsync(true));
      const refused = ['tessera/v1/terminals/T-B/ack', 'tessera/v1/terminals/T-B/resync', 'tessera/v1/terminals/T-B/config', 'tessera/v1/terminals/T-B/journal', 'tessera/v1/terminals/+/ack', 'tessera/v1/terminals/T-A/+', 'tessera/v1/fleet/#', '$SYS/#'];
      // 3.1.1 has a single failure code (0x80), which mqtt.js reports as "Unspecified error".
      const refusal = pv === 5 ? 'Subscribe error: Not authorized' : 'Subscribe error: Unspecified error';
      for (const topic of refused) t.equal(await trySubscribe(a, topic), refusal, `${topic} refused`);
      for (const topic of ['tessera/v1/terminals/T-A/ack', 'tessera/v1/terminals/T-A/resync', 'tessera/v1/terminals/T-A/config', 'tessera/v1/fleet/denylist', 'tessera/v1/fleet/trust']) t.equal(await trySubscribe(a, topic), 'granted', `${topic} granted`);
    });
  }

  t.test('the monitor identity reads every status and nothing else; a terminal reads no status', async (t) => {
    const monitor = await client(broker, 'monitor', { clientId: 'monitor', clean: true });
    t.teardown(() => monitor.endAsync(true));
    const seen: string[] = [];
    monitor.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    t.equal(await trySubscribe(monitor, 'tessera/v1/terminals/+/status'), 'granted');
    for (const topic of [SHARE, 'tessera/v1/terminals/+/journal', 'tessera/v1/terminals/+/ack', 'tessera/v1/fleet/trust']) t.equal(await trySubscribe(monitor, topic), 'Subscribe error: Not authorized', `${topic} refused`);
    const a = await client(broker, 'T-A', { clientId: 'T-A', clean: true });
    t.teardown(() => a.endAsync(true));
    t.equal(await trySubscribe(a, 'tessera/v1/terminals/+/status'), 'Subscribe error: Not authorized');
    await a.publishAsync('tessera/v1/terminals/T-A/status', '{"state":"online"}', { qos: 1 });
    await waitUntil(() => seen.length > 0, 10_000, "T-A's status at the monitor");
    t.same(seen, ['tessera/v1/terminals/T-A/status {"state":"online"}']);
  });

  t.test("another terminal's client id cannot take over its persistent session", async (t) => {
    const acks: string[] = [];
    const persistent = { clientId: 'T-B', clean: false, properties: { sessionExpiryInterval: 3_600 } } as const;
    const first = await client(broker, 'T-B', persistent);
    await first.subscribeAsync('tessera/v1/terminals/T-B/ack', { qos: 1 });
    await first.endAsync();
    const bo = await client(broker, 'backoffice', { clientId: 'bo-acks', clean: true });
    t.teardown(() => bo.endAsync(true));
    await bo.publishAsync('tessera/v1/terminals/T-B/ack', 'queued-while-offline', { qos: 1 });

    // T-C's certificate asks for T-B's client id and a persistent session: the broker gives it T-C's own.
    const thief = await client(broker, 'T-C', persistent);
    t.teardown(() => thief.endAsync(true));
    const stolen: string[] = [];
    thief.on('message', (topic, payload) => stolen.push(`${topic} ${payload.toString()}`));
    const subscribed = await trySubscribe(thief, 'tessera/v1/terminals/T-B/ack');

    const b = await client(broker, 'T-B', persistent);
    t.teardown(() => b.endAsync(true));
    b.on('message', (_topic, payload) => acks.push(payload.toString()));
    await waitUntil(() => acks.length > 0, 10_000, "T-B's queued ack");
    t.same(acks, ['queued-while-offline'], "T-B's session kept its queued ack for T-B");

    // While T-B is connected, the thief connecting as "T-B" again neither kicks T-B off nor gets its acks.
    const again = await client(broker, 'T-C', persistent);
    t.teardown(() => again.endAsync(true));
    again.on('message', (topic, payload) => stolen.push(`${topic} ${payload.toString()}`));
    await bo.publishAsync('tessera/v1/terminals/T-B/ack', 'live', { qos: 1 });
    await waitUntil(() => acks.length > 1, 10_000, "T-B's live ack");
    t.same(acks, ['queued-while-offline', 'live']);
    t.ok(b.connected, 'T-B stayed connected');
    t.equal(subscribed, 'Subscribe error: Not authorized', "the thief cannot subscribe to T-B's ack either");
    t.same(stolen, [], 'the thief received nothing of T-B');
  });

  t.test('a terminal added at run time (mosquitto_ctrl as the admin identity) gets exactly its own rules, cannot change them, and is cut off when deleted', async (t) => {
    const before = await client(broker, 'T-NEW', { clientId: 'T-NEW', clean: true });
    t.teardown(() => before.endAsync(true));
    t.equal(await trySubscribe(before, 'tessera/v1/terminals/T-NEW/ack'), 'Subscribe error: Not authorized', 'an identity the rules do not name can do nothing');
    broker.addTerminal('T-NEW');
    const after = await client(broker, 'T-NEW', { clientId: 'T-NEW', clean: true });
    t.teardown(() => after.endAsync(true));
    t.equal(await trySubscribe(after, 'tessera/v1/terminals/T-NEW/ack'), 'granted');
    t.equal(await trySubscribe(after, 'tessera/v1/terminals/T-A/ack'), 'Subscribe error: Not authorized');
    const forged = await after.publishAsync('$CONTROL/dynamic-security/v1', JSON.stringify({ commands: [{ command: 'addClientRole', username: 'T-NEW', rolename: 'tessera-clearing' }] }), { qos: 1 }).then(
      () => 'accepted',
      (e: unknown) => (e as Error).message,
    );
    t.match(forged, /Not authorized/, 'a terminal cannot send commands to the rules plugin');
    // mosquitto 2.0 closes an MQTT 5 connection after a refused publish: check on a new one.
    const again = await client(broker, 'T-NEW', { clientId: 'T-NEW', clean: true });
    t.teardown(() => again.endAsync(true));
    t.equal(await trySubscribe(again, SHARE), 'Subscribe error: Not authorized', 'and did not become clearing');

    // A stolen terminal is cut off at once: deleting its client closes its connection, and it can do nothing after.
    const closed = new Promise<void>((resolve) => again.once('close', () => resolve()));
    broker.ctrl(['dynsec', 'deleteClient', 'T-NEW']);
    await closed;
    const revoked = await client(broker, 'T-NEW', { clientId: 'T-NEW', clean: true });
    t.teardown(() => revoked.endAsync(true));
    t.equal(await trySubscribe(revoked, 'tessera/v1/terminals/T-NEW/ack'), 'Subscribe error: Not authorized', 'a deleted terminal can do nothing');
  });
});
