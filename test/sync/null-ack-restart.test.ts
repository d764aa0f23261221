// A retained `null` ack and queued garbage on a terminal's ack topic: the terminal process survives every restart and keeps draining.
import t from 'tap';
import mqtt from 'mqtt';
import { join } from 'node:path';
import { topics } from '#protocol';
import { startBroker } from '../../scripts/broker.js';
import { JournalConsumer, waitUntil } from '../support/journal-consumer.js';
import { openStore, openSyncStore, seedJournal, startTerminalChild, tempDir, type TerminalChild } from './helpers.js';

const ID = 'T-NULL';

async function stop(c: TerminalChild): Promise<number | null> {
  if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM');
  return c.exited;
}

const drained = (c: TerminalChild, upTo: number) => c.lines.some((l) => l.event === 'progress' && l.backlog === 0 && l.ackedUpTo === upTo);
const nullIgnored = (c: TerminalChild) => c.lines.filter((l) => l.event === 'ignored' && l.channel === 'ack' && l.reason === 'MALFORMED').length;

t.test('a retained null ack and queued garbage acks neither crash the restarted terminal nor stop its drain', async (t) => {
  const broker = await startBroker({ tls: false });
  t.teardown(() => broker.close());
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const db = join(tmp.dir, 't.db');
  const seed = await openSyncStore(db, ID);
  await seedJournal(seed, 40);
  seed.stop();
  const consumer = new JournalConsumer({ url: broker.url });
  await consumer.start();
  t.teardown(() => consumer.stop());

  // First run: the persistent session (QoS 1 subscription to the ack topic) exists and the journal drains.
  const first = startTerminalChild(db, broker.url, ID);
  t.teardown(() => stop(first));
  await waitUntil(() => drained(first, 40), 20_000, 'the first drain');
  t.equal(await stop(first), 0, 'clean stop');

  // While it is down: a retained null ack (delivered at every start) and garbage queued in its session.
  const mallory = await mqtt.connectAsync(broker.url, { clientId: 'mallory', protocolVersion: 5 });
  t.teardown(() => mallory.endAsync(true));
  await mallory.publishAsync(topics.ack(ID), 'null', { qos: 1, retain: true });
  for (const p of ['[]', '{"upTo":1000000}', '\u0000\u0001']) await mallory.publishAsync(topics.ack(ID), p, { qos: 1 });
  const more = openStore(db, ID);
  await seedJournal(more, 25, 'late');
  more.stop();

  for (const round of [1, 2]) {
    const c = startTerminalChild(db, broker.url, ID);
    t.teardown(() => stop(c));
    // Round 1 has 25 records to drain; round 2 starts drained (its acked index survived in SQLite).
    const done = () => (round === 1 ? drained(c, 65) : c.lines.some((l) => l.event === 'started' && l.ackedUpTo === 65 && l.backlog === 0));
    await waitUntil(() => nullIgnored(c) >= 1 && done(), 20_000, `round ${round}: the null ack ignored and the journal drained`);
    t.equal(c.proc.exitCode, null, `round ${round}: still running after the null ack`);
    t.equal(await stop(c), 0, `round ${round}: clean stop`);
    if (round === 1) t.ok(nullIgnored(c) >= 3, 'the queued garbage was ignored too');
  }
  t.equal(consumer.log(ID).upTo, 65, 'every record reached the back office');
});
