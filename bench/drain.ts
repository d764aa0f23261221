// Bench: drain throughput of a 20,000-record journal through SyncService vs raw mqtt.js with the same batches, window and acks.
import mqtt, { type MqttClient } from 'mqtt';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeObject, encodeCbor, keyId, topics, type Signer } from '#protocol';
import { seededBytes } from '#protocol/testkit';
import { Store } from '../terminal/store/index.js';
import { SyncService, connectNoDelay, parseSyncConfig } from '../terminal/sync/index.js';
import { startBroker } from '../scripts/broker.js';
import { JournalConsumer } from '../test/support/journal-consumer.js';
import { SYNC_ROOT, installSyncTrust } from '../test/support/sync-trust.js';

import type { BenchRow } from './types.js';


const RECORDS = 20_000;
const BATCH = 200;
const WINDOW = 8;
const ROUNDS = 2;

/** Signing is not what this bench measures: a signer returning a fixed signature seeds 20k records fast. */
function fakeSigner(): Signer {
  const publicKey = Uint8Array.of(2, ...seededBytes('bench-key', 32));
  return { publicKey, kid: keyId(publicKey), sign: async () => new Uint8Array(64) };
}

async function seed(store: Store, n: number): Promise<void> {
  store.handle.pragma('synchronous = OFF');
  for (let i = 1; i <= n; i++) {
    await store.appendDecision({ txId: seededBytes(`b-tx-${i}`, 32), payment: seededBytes(`b-pay-${i}`, 32), approved: false, reason: 13, amountCharged: 0, timeMs: 1_800_000_000_000 + i });
  }
  store.handle.pragma('synchronous = FULL');
}

async function drainWithSync(store: Store, url: string, terminalId: string, consumer: JournalConsumer): Promise<number> {
  store.setKv('acked_upto', '0'); // bench only: replay the same backlog under a fresh terminal id
  const sync = new SyncService({ store, terminalId, rootPublicKey: SYNC_ROOT.publicKey, config: parseSyncConfig({ brokerUrl: url, batchSize: BATCH, window: WINDOW, ackTimeoutMs: 30_000 }) });
  const t0 = performance.now();
  sync.start();
  await sync.drainNow(120_000);
  const ms = performance.now() - t0;
  await sync.stop();
  if (consumer.upTo(terminalId) !== RECORDS) throw new Error(`sync round ${terminalId}: consumer has ${consumer.upTo(terminalId)} records`);
  return (RECORDS / ms) * 1000;
}

/** The same CBOR batches published by a bare client: window of WINDOW unacked batches, released by the consumer's acks. */
async function drainRaw(payloads: Buffer[], lastIdx: number[], url: string, terminalId: string, consumer: JournalConsumer): Promise<number> {
  const t0 = performance.now();
  const client = connectNoDelay(url, { clientId: terminalId, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 600 }, reconnectPeriod: 0 });
  await new Promise<void>((res, rej) => {
    client.once('connect', () => res());
    client.once('error', rej);
  });
  let acked = 0;
  let next = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const pump = () => {
    while (next < payloads.length && next - firstUnacked() < WINDOW) client.publish(topics.journal(terminalId), payloads[next++] as Buffer, { qos: 1 });
  };
  const firstUnacked = () => lastIdx.findIndex((l) => l > acked);
  client.on('message', (_t, p) => {
    const ack = decodeObject('ACK', new Uint8Array(p));
    if (ack.ok) acked = Math.max(acked, ack.value.value.upTo);
    if (acked >= RECORDS) done();
    else pump();
  });
  await client.subscribeAsync(topics.ack(terminalId), { qos: 1 });
  pump();
  await finished;
  const ms = performance.now() - t0;
  await client.endAsync(true);
  if (consumer.upTo(terminalId) !== RECORDS) throw new Error(`raw round ${terminalId}: consumer has ${consumer.upTo(terminalId)} records`);
  return (RECORDS / ms) * 1000;
}

/** Median time for a QoS 1 message to come back to its own publisher through mosquitto, publishing one at a time. */
async function roundTripMs(url: string, clientId: string, noDelay: boolean, n: number): Promise<number> {
  const opts = { clientId, reconnectPeriod: 0 } as const;
  const client: MqttClient = noDelay ? connectNoDelay(url, opts) : mqtt.connect(url, opts);
  await new Promise<void>((res) => client.once('connect', () => res()));
  const topic = `bench/rt/${clientId}`;
  await client.subscribeAsync(topic, { qos: 1 });
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const back = new Promise<void>((res) => client.once('message', () => res()));
    client.publish(topic, 'x', { qos: 1 });
    await back;
    times.push(performance.now() - t0);
  }
  await client.endAsync(true);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

export async function run(): Promise<BenchRow[]> {
  const broker = await startBroker({ tls: false, persistence: false });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-drain-'));
  const store = new Store({ path: join(dir, 'bench.db'), terminalId: 'T-BENCH', signer: fakeSigner() });
  const consumer = new JournalConsumer({ url: broker.url, clientId: 'bench-clearing', fast: true });
  try {
    store.start();
    await installSyncTrust(store);
    await seed(store, RECORDS);
    const rows = store.unacked(RECORDS);
    const payloads: Buffer[] = [];
    const lastIdx: number[] = [];
    for (let i = 0; i < rows.length; i += BATCH) {
      const b = rows.slice(i, i + BATCH);
      const enc = encodeCbor(b.map((r) => r.record));
      payloads.push(Buffer.from(enc.buffer, enc.byteOffset, enc.byteLength));
      lastIdx.push(b[b.length - 1]?.idx ?? 0);
    }
    const bytes = payloads.reduce((n, p) => n + p.length, 0);
    await consumer.start();
    let best = { sync: 0, raw: 0 };
    for (let r = 1; r <= ROUNDS; r++) {
      const raw = await drainRaw(payloads, lastIdx, broker.url, `T-RAW-${r}`, consumer);
      const sync = await drainWithSync(store, broker.url, `T-SYNC-${r}`, consumer);
      best = { sync: Math.max(best.sync, sync), raw: Math.max(best.raw, raw) };
    }
    const fast = await roundTripMs(broker.url, 'rt-nodelay', true, 200);
    const slow = await roundTripMs(broker.url, 'rt-nagle', false, 40);
    const ratio = best.sync / best.raw;
    return [
      {
        name: 'sync: drain 20,000 journal records (SyncService → mosquitto → acks)',
        value: Math.round(best.sync),
        unit: 'records/s',
        floor: Math.round(best.raw),
        floorName: `raw mqtt.js QoS 1, same ${payloads.length} batches of ${BATCH} (${Math.round(bytes / RECORDS)} B/record), window ${WINDOW}, same acks`,
        ratio: Number(ratio.toFixed(3)),
        target: 0.5,
        pass: ratio >= 0.5,
      },
      { name: 'sync: QoS 1 round trip through mosquitto, no-delay socket (median)', value: Number(fast.toFixed(3)), unit: 'ms' },
      {
        name: "sync: QoS 1 round trip with Nagle on (mqtt.js default socket; median)",
        value: Number(slow.toFixed(3)),
        unit: 'ms',
        floor: Number(fast.toFixed(3)),
        floorName: 'same with no-delay',
        ratio: Number((slow / Math.max(fast, 0.001)).toFixed(1)),
      },
    ];
  } finally {
    await consumer.stop();
    store.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  run().then(
    (rows) => console.log(JSON.stringify(rows, null, 2)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
