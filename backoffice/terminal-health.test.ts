// Terminal health against the production-shaped broker (mutual TLS, dynamic-security roles): retained statuses, updates, garbage, wills.
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions } from 'mqtt';
import t from 'tap';
import { encodeStatus, topics, type TerminalStatusMessage } from '#protocol';
import { startBroker, type Broker } from '../scripts/broker.js';
import { TerminalHealthMonitor } from './terminal-health.js';
import { waitFor } from './test-world.js';

const NOW = 1_800_000_000;

async function terminal(broker: Broker, id: string, o: IClientOptions = {}) {
  const f = broker.clientFiles(id);
  const c = await mqtt.connectAsync(broker.url, { clientId: id, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000, ca: readFileSync(f.ca), cert: readFileSync(f.cert), key: readFileSync(f.key), ...o });
  return c;
}

const online = (o: Partial<Extract<TerminalStatusMessage, { state: 'online' }>> = {}): TerminalStatusMessage => ({
  state: 'online',
  backlog: 3,
  lastSyncAt: (NOW - 50) * 1000,
  devices: { scanner: { ok: true }, printer: { ok: true, paper: 'ok' } },
  version: '1.4.0',
  clock: (NOW - 100) * 1000,
  fleet: { trust: 2, denylist: 17, config: null },
  freshness: {
    trust: { issuedAt: NOW - 86_400, ageHours: 24, maxAgeHours: 4_320, staleAt: NOW + 100 * 86_400, state: 'fresh' },
    denylist: { issuedAt: NOW - 3_600, ageHours: 1, maxAgeHours: 48, staleAt: NOW + 47 * 3_600, state: 'fresh', installed: true },
  },
  ...o,
});

t.test('the back office identity reads every retained status; the monitor keeps the last valid one per terminal', async (t) => {
  const broker = await startBroker({ clients: ['T-H1', 'T-H2'], persistence: false });
  t.teardown(() => broker.close());
  // Published before the monitor exists: it must arrive as retained messages at subscription.
  const t1 = await terminal(broker, 'T-H1', { will: { topic: topics.status('T-H1'), payload: Buffer.from(encodeStatus({ state: 'offline' })), qos: 1, retain: true } });
  t.teardown(() => t1.endAsync(true));
  await t1.publishAsync(topics.status('T-H1'), encodeStatus(online()), { qos: 1, retain: true });
  const t2 = await terminal(broker, 'T-H2');
  await t2.publishAsync(topics.status('T-H2'), encodeStatus(online({ backlog: 0, version: '1.3.9', clock: (NOW + 5) * 1000 })), { qos: 1, retain: true });
  await t2.endAsync();

  let now = NOW;
  const id = broker.clientFiles('backoffice');
  const mon = new TerminalHealthMonitor({ url: broker.url, tls: { ca: id.ca, cert: id.cert, key: id.key }, now: () => now });
  await mon.start();
  t.teardown(() => mon.stop());
  await waitFor(async () => mon.list().length === 2);
  t.match(mon.get('T-H1'), {
    online: true,
    lastSeen: NOW - 100,
    backlog: 3,
    lastSyncAt: NOW - 50,
    version: '1.4.0',
    devices: { printer: { paper: 'ok' } },
    clockSkewSeconds: -100,
    trust: { version: 2, issuedAt: NOW - 86_400, ageSeconds: 86_400, state: 'fresh' },
    denylist: { version: 17, ageSeconds: 3_600, installed: true },
  });
  t.equal(mon.get('T-H2')?.lastSeen, NOW, 'a retained status from a clock ahead is not seen later than it arrived');

  now += 600;
  t.equal(mon.get('T-H1')?.denylist.ageSeconds, 4_200, 'list ages grow with our clock between statuses');
  await t1.publishAsync(topics.status('T-H1'), encodeStatus(online({ backlog: 0, clock: now * 1000, fleet: { trust: 2, denylist: 18, config: 1 } })), { qos: 1, retain: true });
  await waitFor(async () => mon.get('T-H1')?.backlog === 0);
  t.match(mon.get('T-H1'), { lastSeen: now, clockSkewSeconds: 0, denylist: { version: 18 }, configVersion: 1 }, 'a live status: seen when it arrived');

  // Garbage is counted and never replaces the last good status.
  await t1.publishAsync(topics.status('T-H1'), '{"state":"online","backlog":-1}', { qos: 1 });
  await t1.publishAsync(topics.status('T-H1'), Buffer.from([0xff, 0xfe]), { qos: 1 });
  await waitFor(async () => (mon.ignored().MALFORMED ?? 0) === 2);
  t.equal(mon.get('T-H1')?.backlog, 0, 'still the last valid status');

  const lines = mon.metrics();
  t.match(lines, `tessera_terminal_last_seen_seconds{terminal="T-H1"} ${now}`);
  t.match(lines, `tessera_terminal_last_seen_seconds{terminal="T-H2"} ${NOW}`);
  t.match(lines, 'tessera_terminal_backlog_records{terminal="T-H1"} 0');
  t.match(lines, 'tessera_terminal_status_ignored_total{reason="MALFORMED"} 2');

  // The terminal dies: the broker publishes its will.
  t1.stream.destroy();
  await waitFor(async () => mon.get('T-H1')?.online === false);
  t.match(mon.get('T-H1'), { online: false, lastSeen: now }, 'last seen stays the last time the terminal spoke');
  t.match(mon.metrics(), 'tessera_terminal_online{terminal="T-H1"} 0');
});

t.test('a cleared retained status removes the terminal; foreign topics are ignored, never thrown', async (t) => {
  const mon = new TerminalHealthMonitor({ url: 'mqtt://unused', now: () => NOW });
  mon.receive(topics.status('T-X'), Buffer.from(encodeStatus(online())), true);
  t.equal(mon.list().length, 1);
  mon.receive(topics.status('T-X'), Buffer.alloc(0), true);
  t.same(mon.list(), [], 'an empty retained payload clears it');
  mon.receive('tessera/v1/terminals/T-X/journal', Buffer.from('x'));
  mon.receive(topics.status('T-Y'), Buffer.alloc(20_000, 0x20));
  t.same(mon.ignored(), { UNKNOWN_TOPIC: 1, TOO_LARGE: 1 });
  t.same(mon.list(), []);
});

t.test("a terminal's location is kept from its status; a malformed one is refused with the status", async (t) => {
  const mon = new TerminalHealthMonitor({ url: 'mqtt://unused', now: () => NOW });
  mon.receive(topics.status('T-L'), Buffer.from(encodeStatus(online({ location: { lat: 48.86, lon: 2.34, label: 'Rue de Rivoli 12' } }))), true);
  t.same(mon.get('T-L')?.location, { lat: 48.86, lon: 2.34, label: 'Rue de Rivoli 12' });
  t.same(mon.health('T-L')?.location, { lat: 48.86, lon: 2.34, label: 'Rue de Rivoli 12' }, "in what the API's terminal resources read");
  mon.receive(topics.status('T-L'), Buffer.from(JSON.stringify({ ...online(), location: { lat: 200, lon: 0 } })));
  t.same(mon.ignored(), { MALFORMED: 1 }, 'a location off the globe: the status is ignored');
  t.equal(mon.get('T-L')?.location?.lat, 48.86, 'the last good status stands');
  mon.receive(topics.status('T-N'), Buffer.from(encodeStatus(online())), true);
  t.equal(mon.get('T-N')?.location, null, 'a terminal without one: null');
});
