import t from 'tap';
import { join } from 'node:path';
import { startBroker } from '../../scripts/broker.js';
import { JournalConsumer, waitUntil } from '../support/journal-consumer.js';
import { openStore, openSyncStore, seedJournal, startTerminalChild, tempDir, type TerminalChild } from './helpers.js';

function kill(c: TerminalChild): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    c.proc.once('exit', () => resolve());
    c.proc.kill('SIGKILL');
  });
}

t.test('terminal SIGKILLed mid-drain and restarted: every record arrives once, in order', async (t) => {
  const broker = await startBroker({ tls: false });
  t.teardown(() => broker.close());
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const db = join(tmp.dir, 't.db');
  const seed = await openSyncStore(db, 'T-KILL');
  await seedJournal(seed, 500);
  const journal = [...seed.iterateRows()].map((r) => r.record);
  seed.stop();

  const consumer = new JournalConsumer({ url: broker.url, hold: true });
  await consumer.start();
  t.teardown(() => consumer.stop());

  const first = startTerminalChild(db, broker.url, 'T-KILL');
  t.teardown(() => kill(first));
  // The first window (4 × 20 records) reaches the back office; only half of it gets acked.
  await waitUntil(() => consumer.upTo('T-KILL') >= 80, 15_000, 'the first window');
  consumer.ack('T-KILL', 40);
  await waitUntil(() => first.lines.some((l) => l.event === 'progress' && l.ackedUpTo === 40), 10_000, 'the child to record the ack');
  await kill(first);

  const after = openStore(db, 'T-KILL');
  t.equal(after.ackedUpTo(), 40, 'the acked index survived the kill (it is in SQLite)');
  t.equal(after.backlog(), 460);
  after.stop();

  consumer.release();
  const second = startTerminalChild(db, broker.url, 'T-KILL');
  t.teardown(() => kill(second));
  await waitUntil(() => second.lines.some((l) => l.event === 'started'), 10_000, 'the restarted child');
  t.match(second.lines.find((l) => l.event === 'started'), { ackedUpTo: 40 }, 'it resumes from the acked index');
  await waitUntil(() => second.lines.some((l) => l.event === 'progress' && l.backlog === 0), 20_000, 'the drain to finish');
  const log = consumer.log('T-KILL');
  t.equal(log.upTo, 500);
  t.same(log.records, journal, 'every record once, in journal order');

  const final = openStore(db, 'T-KILL');
  t.teardown(() => final.stop());
  t.equal(final.backlog(), 0);
});
