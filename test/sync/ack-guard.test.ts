// Acks a hostile broker could inject (forged JSON, null, a non-CLEARING key, a wrong hash, beyond the head, another terminal's) move nothing; real acks still settle.
import t from 'tap';
import mqtt from 'mqtt';
import { join } from 'node:path';
import { EventBus } from '#common';
import { buildAck, recordHash, signObject, topics, type Signer } from '#protocol';
import { seededBytes } from '#protocol/testkit';
import { startBroker } from '../../scripts/broker.js';
import { JournalConsumer, waitUntil } from '../support/journal-consumer.js';
import { SYNC_CLEARING, SYNC_FLEET, SYNC_ROOT } from '../support/sync-trust.js';
import { SyncService, type SyncEvents } from '../../terminal/sync/index.js';
import { fastConfig, openSyncStore, seedJournal, tempDir } from './helpers.js';

const ID = 'T-GUARD';

t.test('forged, unsigned, mis-signed and mismatched acks are ignored and counted; settlement continues with real acks', async (t) => {
  const broker = await startBroker({ tls: false });
  t.teardown(() => broker.close());
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const store = await openSyncStore(join(tmp.dir, 't.db'), ID);
  t.teardown(() => store.stop());
  await seedJournal(store, 60);
  // Two approved payments: what a forged ack would wipe from the offline risk counters.
  for (let i = 1; i <= 2; i++) {
    await store.appendDecision({ txId: seededBytes(`guard-tx-${i}`, 32), payment: seededBytes(`guard-pay-${i}`, 64), approved: true, reason: 0, amountCharged: 250, currency: 'EUR', purseId: seededBytes('guard-purse', 16), seq: i, cumulative: 250 * i, timeMs: 1_800_000_100_000 + i });
  }
  const head = store.journalHead;
  const consumer = new JournalConsumer({ url: broker.url, hold: true });
  await consumer.start();
  t.teardown(() => consumer.stop());
  const bus = new EventBus<SyncEvents>();
  const ignored: string[] = [];
  bus.on('sync.ignored', (e) => ignored.push(`${e.channel}:${e.reason}`));
  const sync = new SyncService({ store, terminalId: ID, rootPublicKey: SYNC_ROOT.publicKey, config: fastConfig(broker.url, { ackTimeoutMs: 60_000 }), bus });
  t.teardown(() => sync.stop());
  sync.start();
  await waitUntil(() => consumer.upTo(ID) === head, 15_000, 'the whole journal to reach the (holding) back office');

  const mallory = await mqtt.connectAsync(broker.url, { clientId: 'mallory', protocolVersion: 5 });
  t.teardown(() => mallory.endAsync(true));
  const headRecord = store.getRow(head)?.record as Uint8Array;
  const signed = (signer: Signer, o: { terminalId?: string; upTo?: number; hash?: Uint8Array } = {}) =>
    signObject('ACK', buildAck(o.terminalId ?? ID, o.upTo ?? head, o.hash ?? recordHash(headRecord), Math.floor(Date.now() / 1000), []), signer);
  const hostile: [string, Uint8Array | string][] = [
    ['ack:MALFORMED', '{"upTo":1000000}'],
    ['ack:MALFORMED', 'null'],
    ['ack:MALFORMED', '[]'],
    ['ack:UNKNOWN_KEY', await signed(SYNC_FLEET)],
    ['ack:CHAIN_MISMATCH', await signed(SYNC_CLEARING, { hash: seededBytes('another chain', 32) })],
    ['ack:BEYOND_HEAD', await signed(SYNC_CLEARING, { upTo: 1_000_000 })],
    ['ack:WRONG_PAYEE', await signed(SYNC_CLEARING, { terminalId: 'T-OTHER' })],
  ];
  for (const [, payload] of hostile) await mallory.publishAsync(topics.ack(ID), typeof payload === 'string' ? payload : Buffer.from(payload), { qos: 1 });
  await waitUntil(() => ignored.length >= hostile.length, 10_000, 'every hostile ack to be handled');
  t.same(ignored, hostile.map(([r]) => r), 'each refused with its reason, in order');
  t.same(sync.status().ignored, { 'ack:MALFORMED': 3, 'ack:UNKNOWN_KEY': 1, 'ack:CHAIN_MISMATCH': 1, 'ack:BEYOND_HEAD': 1, 'ack:WRONG_PAYEE': 1 }, 'counted in status()');
  t.equal(sync.status().ackedUpTo, 0, 'the cursor did not move');
  t.equal(store.ackedUpTo(), 0);
  t.same(store.unsyncedApproved(), { count: 2, amount: 500 }, 'the offline counters were not reset');

  // The real back office acks: the backlog drains, nothing skipped.
  consumer.release();
  await waitUntil(() => sync.backlog() === 0, 15_000, 'the drain after real acks');
  t.same(store.unsyncedApproved(), { count: 0, amount: 0 }, 'a verified ack resets the counters');
  t.same(consumer.log(ID).records, [...store.iterateRows()].map((r) => r.record), 'every record once, in order');
});
