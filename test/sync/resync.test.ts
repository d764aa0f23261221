// Clearing holds records behind a gap and sends a signed resync request; the terminal re-sends from there and the gap settles.
import t from 'tap';
import { join } from 'node:path';
import { EventBus } from '#common';
import { fromHex, signObject } from '#protocol';
import { BackOffice, ClearingService } from '#backoffice';
import { startBroker } from '../../scripts/broker.js';
import { waitUntil } from '../support/journal-consumer.js';
import { SyncService, type SyncEvents } from '../../terminal/sync/index.js';
import { fastConfig, openStore, seedJournal, tempDir, terminalSigner } from './helpers.js';

const ID = 'T-RESYNC';

t.test('records lost before clearing subscribed: a signed resync request makes the terminal re-send, and clearing settles the gap', async (t) => {
  const broker = await startBroker({ tls: false });
  t.teardown(() => broker.close());
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const bo = await BackOffice.init(join(tmp.dir, 'bo'));
  t.teardown(() => bo.close());
  const key = terminalSigner(ID);
  const enrol = await signObject('ENROLMENT_REQUEST', { terminalId: ID, publicKey: key.publicKey, hardwareId: 'hw-resync', time: bo.now() }, key);
  await bo.issueTerminal(enrol, { mode: 'merchant', merchantId: 'M-1', displayName: 'Resync' });

  const store = openStore(join(tmp.dir, 't.db'), ID);
  t.teardown(() => store.stop());
  t.ok(store.applyFleet('trust', { version: bo.trustList.version, bytes: bo.trustBytes, issuedAt: bo.trustList.issuedAt }, Date.now()), "the back office's trust list (with its CLEARING key) installed");
  await seedJournal(store, 40);
  const bus = new EventBus<SyncEvents>();
  const resyncs: number[] = [];
  bus.on('sync.resync', (e) => resyncs.push(e.from));
  // An ack timeout far beyond the test: only the resync request can make the terminal re-send.
  const sync = new SyncService({ store, terminalId: ID, rootPublicKey: fromHex(bo.rootPublicKey), config: fastConfig(broker.url, { ackTimeoutMs: 600_000 }), bus });
  t.teardown(() => sync.stop());
  sync.start();
  // No clearing yet: both batches (1..20, 21..40) are published to nobody and lost.
  await waitUntil(() => sync.status().inFlight.records === 40, 10_000, 'the first records in flight');

  const clearing = new ClearingService(bo, { url: broker.url });
  const asked: number[] = [];
  clearing.events.on('batch', (b) => b.resyncFrom !== undefined && asked.push(b.resyncFrom));
  await clearing.start();
  t.teardown(() => clearing.stop());
  await seedJournal(store, 20, 'later');
  sync.notify();

  await waitUntil(() => sync.backlog() === 0, 20_000, 'the backlog to drain through the resync');
  t.same(asked.slice(0, 1), [1], 'clearing held 41..60 and asked for a re-send from 1');
  t.same(resyncs.slice(0, 1), [1], 'the terminal verified the request and re-sent from 1');
  t.equal(sync.status().resyncs >= 1, true);
  t.equal((await bo.ledger.getTerminal(ID))?.lastIndex, 60, 'clearing recorded the whole chain');
  t.same(sync.status().ignored, {}, 'nothing was refused on the way');
});
