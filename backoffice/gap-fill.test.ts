// Two workers, one ledger: records one worker held behind a gap are cleared by the worker that fills it, and only a gap left open brings a resync request.
import t, { type Test } from 'tap';
import { decodeObject, topics } from '#protocol';
import { ledgerBackends } from '../test/support/postgres.js';
import { BackOffice } from './backoffice.js';
import { ClearingService, type ClearingEvents } from './service.js';
import type { GapTimer } from './gap-watch.js';
import type { SimulatedTerminal } from './sim-terminal.js';
import { createWorld, waitFor, type World } from './test-world.js';

const ID = 'T-GAP';

/** A world with one merchant terminal that journaled six payments, and two workers (their own ledger connections) on it. */
/** Gap checks fired by the test, not by time: whether another worker filled the gap must not depend on the load of the box. */
function manualTimer(): { timer: GapTimer; fire(): void; pending(): number } {
  const due: (() => void)[] = [];
  return {
    timer: (fire) => {
      due.push(fire);
      return () => due.splice(due.indexOf(fire), 1);
    },
    fire: () => due.splice(0).forEach((f) => f()),
    pending: () => due.length,
  };
}

async function twoWorkers(t: Test, db: string | undefined, gapTimer?: GapTimer): Promise<{ w: World; term: SimulatedTerminal; a: ClearingService; b: ClearingService }> {
  const w = await createWorld({ db });
  t.teardown(() => w.close());
  const { wallet } = await w.wallet('rider', 10_000, 1_000);
  const term = await w.merchant(ID);
  for (let i = 0; i < 6; i++) {
    const d = await term.accept((await wallet.payMerchant(await term.requestPayment(100 + i, 'EUR'))).text);
    if (!d.approved) throw new Error(`declined: ${d.reason}`);
  }
  const bo2 = await BackOffice.open(w.bo.paths.home, { db });
  t.teardown(() => bo2.close());
  const [a, b] = [new ClearingService(w.bo, { url: w.broker.url, workerId: 'A', resyncDelayMs: 200 }), new ClearingService(bo2, { url: w.broker.url, workerId: 'B', resyncDelayMs: 200, ...(gapTimer ? { gapTimer } : {}) })];
  for (const s of [a, b]) {
    await s.start();
    t.teardown(() => s.stop());
  }
  return { w, term, a, b };
}

function record<K extends keyof ClearingEvents>(s: ClearingService, name: K): ClearingEvents[K][] {
  const seen: ClearingEvents[K][] = [];
  s.events.on(name, (e) => seen.push(e));
  return seen;
}

for (const backend of ledgerBackends(t)) {
  t.test(`${backend.name}: the worker that fills a gap clears what another worker held; no resync is sent`, async (t) => {
    const clock = manualTimer();
    const { w, term, a, b } = await twoWorkers(t, await backend.db(), clock.timer);
    const [batchesA, batchesB, closedB, resyncsB] = [record(a, 'batch'), record(b, 'batch'), record(b, 'gapClosed'), record(b, 'resync')];
    const topic = topics.journal(ID);
    // The broker dealt the second batch to B before A had the first (mosquitto's round robin).
    b.receive(topic, Buffer.from(term.batch(term.journal.slice(3))));
    await waitFor(async () => batchesB.length === 1);
    t.match(batchesB[0], { resyncFrom: 1, ack: { upTo: 0 } }, 'B held records 4..6 behind the gap');
    t.equal((await w.bo.ledger.getTerminal(ID))?.lastIndex, 0);
    a.receive(topic, Buffer.from(term.batch(term.journal.slice(0, 3))));
    await waitFor(async () => batchesA.length === 1);
    t.equal(batchesA[0]?.ack.upTo, 6, 'A recorded 1..3 and the records B held, in one transaction');
    t.same(batchesA[0]?.ack.results.map((r) => [r.index, r.status]), [1, 2, 3, 4, 5, 6].map((i) => [i, 'settled']));
    t.equal(clock.pending(), 1, "B's gap check is waiting");
    clock.fire();
    await waitFor(async () => closedB.length === 1, 5_000);
    t.same(closedB, [{ terminalId: ID, head: 6 }], "B's check found the gap closed");
    t.same(resyncsB, [], 'so the terminal was not asked to re-send');
    t.match(b.status(), { workerId: 'B', resyncs: 0, gapsClosed: 1, gapsOpen: 0, batches: 1 });
    const settled = await w.bo.ledger.settlements();
    t.equal(settled.length, 6);
    t.equal(new Set(settled.map((s) => s.txId)).size, 6, 'each payment settled once');
  });

  t.test(`${backend.name}: a gap nobody fills brings a signed resync request from the head, and the re-send clears it`, async (t) => {
    const { w, term, b } = await twoWorkers(t, await backend.db());
    const [batchesB, resyncsB] = [record(b, 'batch'), record(b, 'resync')];
    const listener = await w.client('terminal');
    const requests: number[] = [];
    listener.on('message', (_topic, p) => {
      const d = decodeObject('RESYNC', new Uint8Array(p));
      if (d.ok) requests.push(d.value.value.from);
    });
    await listener.subscribeAsync(topics.resync(ID), { qos: 1 });
    // The first batch went to a worker that died before clearing it.
    b.receive(topics.journal(ID), Buffer.from(term.batch(term.journal.slice(3))));
    await waitFor(async () => resyncsB.length === 1 && requests.length === 1, 5_000);
    t.same(resyncsB, [{ terminalId: ID, from: 1 }]);
    t.same(requests, [1], 'the terminal got a signed request to re-send from 1');
    // The terminal re-sends everything unacknowledged.
    b.receive(topics.journal(ID), Buffer.from(term.batch()));
    await waitFor(async () => batchesB.length === 2);
    t.equal(batchesB[1]?.ack.upTo, 6);
    t.equal((await w.bo.ledger.settlements()).length, 6);
    t.match(b.status(), { resyncs: 1, gapsOpen: 0 });
  });
}
