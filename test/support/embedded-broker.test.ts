import t from 'tap';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../scripts/embedded-broker.js';

t.test('the embedded broker delivers QoS 1, keeps retained messages across stop/start', async (t) => {
  const broker = await startEmbeddedBroker();
  t.teardown(() => broker.close());
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 50 });
  t.teardown(() => pub.end(true));
  await pub.publishAsync('fleet/x', 'v1', { qos: 1, retain: true });
  const reconnected = new Promise<void>((resolve) => pub.once('connect', () => resolve()));
  await broker.stop();
  await broker.start();
  await reconnected;
  const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  t.teardown(() => sub.end(true));
  const got = new Promise<string>((resolve) => sub.once('message', (_t, p) => resolve(p.toString())));
  await sub.subscribeAsync('fleet/#', { qos: 1 });
  t.equal(await got, 'v1', 'retained message survived the outage');
});
