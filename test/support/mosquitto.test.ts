import t from 'tap';
import mqtt from 'mqtt';
import { startMosquitto } from './mosquitto.js';

t.test('starts a real broker that delivers, and survives a restart on the same port', async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.close());
  const client = await mqtt.connectAsync(broker.url, { clientId: 'probe', reconnectPeriod: 100 });
  t.teardown(() => client.end(true));
  await client.subscribeAsync('t/#', { qos: 1 });
  const got = new Promise<string>((resolve) => client.once('message', (_topic, payload) => resolve(payload.toString())));
  await client.publishAsync('t/1', 'hello', { qos: 1 });
  t.equal(await got, 'hello');
  // Attach before restarting: the client may reconnect before restart() resolves.
  const reconnected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
  await broker.restart();
  await reconnected;
  t.ok(client.connected, 'client reconnected to the restarted broker');
});
