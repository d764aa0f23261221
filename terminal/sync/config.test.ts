import t from 'tap';
import { parseSyncConfig, syncConfigSchema } from './config.js';
import { drainProgressWriter, renderDrainProgress } from './cli-progress.js';

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

t.test('drain progress: a bar on a TTY, one summary line for humans, JSON lines with --json, each change once', async (t) => {
  const p = { backlog: 25, startBacklog: 100, connected: true, lastSyncMs: 5 };
  t.match(renderDrainProgress(p, 'tty', 10), /\[#{8}-{2}\] 75\/100 sent, backlog 25 \(syncing\)/);
  t.equal(renderDrainProgress(p, 'plain'), '', 'no line per poll for a human reading a log');
  t.equal(renderDrainProgress({ ...p, backlog: 0, done: true }, 'plain'), 'synced: 100 record(s) acknowledged by the back office, backlog 0\n');
  t.same(JSON.parse(renderDrainProgress({ ...p, backlog: 0, done: true }, 'json')), { event: 'drained', backlog: 0, connected: true, lastSyncMs: 5 });
  const written: string[] = [];
  const write = drainProgressWriter({ form: 'json', write: (s) => written.push(s) });
  for (const b of [25, 25, 25, 10, 10, 0]) write({ ...p, backlog: b, done: b === 0 });
  t.same(written.map((l) => (JSON.parse(l) as { backlog: number }).backlog), [25, 10, 0], 'a repeated poll prints nothing');
});
