import t from 'tap';
import { parseSyncConfig, syncConfigSchema } from './config.js';
import { renderDrainProgress } from './cli-progress.js';

t.test('sync config: documented defaults, validation', async (t) => {
  const c = parseSyncConfig({});
  t.match(c, { brokerUrl: 'mqtt://127.0.0.1:1883', protocolVersion: 5, batchSize: 200, window: 8, ackTimeoutMs: 15_000, reconnectMinMs: 500, reconnectMaxMs: 30_000, reconnectJitter: 0.5, statusIntervalMs: 60_000 });
  t.equal(c.clientId, undefined, 'client id defaults to the terminal id at run time');
  t.throws(() => parseSyncConfig({ brokerUrl: 'http://x' }));
  t.throws(() => parseSyncConfig({ window: 0 }));
  t.throws(() => parseSyncConfig({ reconnectMinMs: 5_000, reconnectMaxMs: 1_000 }));
  t.throws(() => parseSyncConfig({ tls: { ca: '/ca.pem', cert: '/c.pem' } }), 'cert without key');
  t.throws(() => syncConfigSchema.parse({ bogus: 1 }), 'unknown keys are refused');
  t.match(parseSyncConfig({ brokerUrl: 'mqtts://b:8883', tls: { ca: '/ca', cert: '/c', key: '/k' } }).tls, { ca: '/ca', cert: '/c', key: '/k' });
});

t.test('drain progress renders a bar on a TTY and JSON lines otherwise', async (t) => {
  const line = renderDrainProgress({ backlog: 25, startBacklog: 100, connected: true, lastSyncMs: 5 }, true, 10);
  t.match(line, /\[#{8}-{2}\] 75\/100 sent, backlog 25 \(syncing\)/);
  t.same(JSON.parse(renderDrainProgress({ backlog: 0, startBacklog: 100, connected: true, lastSyncMs: 5, done: true }, false)), { event: 'drained', backlog: 0, connected: true, lastSyncMs: 5 });
});
