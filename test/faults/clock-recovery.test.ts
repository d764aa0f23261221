// A clock that jumped ahead, then was corrected: the back office's next signed message, delivered over MQTT, makes the terminal trusted again.
import t from 'tap';
import mqtt from 'mqtt';
import { FLEET_KIND, signObject, topics } from '#protocol';
import { createTerminalWorld } from '../../terminal/daemon/testing.js';
import { syncComponents } from '../../terminal/daemon/sync-component.js';
import { startMosquitto } from '../support/mosquitto.js';
import { until } from './harness.js';

const DAY_MS = 86_400_000;

t.test('clock jumped a year ahead and back: untrusted until a newer deny list arrives over sync, then ready', async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.close());
  const tw = await createTerminalWorld({ config: { sync: { brokerUrl: broker.url, reconnectMinMs: 50, reconnectMaxMs: 200 } } });
  t.teardown(() => tw.cleanup());
  const d = tw.daemon({ api: false, components: syncComponents });
  await d.start();
  t.teardown(() => d.stop());
  const now = tw.clock.now();
  tw.clock.setWall(now + 300 * DAY_MS);
  d.trustedClock!.checkpoint(); // the daemon's minute checkpoint, while the clock was wrong
  tw.clock.setWall(now + 60_000); // NTP corrects it
  t.match(d.status(), { ready: false, notReady: 'clock not trusted' });

  const publisher = await mqtt.connectAsync(broker.url, { clientId: 'back-office-probe' });
  t.teardown(() => publisher.endAsync(true));
  const deny = await signObject('FLEET_MESSAGE', { kind: FLEET_KIND.denylist, version: 1, issuedAt: Math.floor((now + 30_000) / 1000), denylist: [] }, tw.world.issuer);
  await publisher.publishAsync(topics.denylist, Buffer.from(deny), { qos: 1, retain: true });
  await until(() => d.status().ready, 15_000, 'the terminal to trust its clock again');
  t.match(d.status(), { clock: { trusted: true, highWaterMarkMs: now + 30_000 }, fleet: { denylist: { version: 1 } } });
  t.match(tw.display.last, { kind: 'idle', subtitle: 'Ready' }, 'the display left "out of order" by itself');
});
