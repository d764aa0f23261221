// KeyedQueue: one key's jobs in order, other keys beside them up to the limit, turns taken fairly, failures contained.
import t from 'tap';
import { KeyedQueue } from './batch-queue.js';

/** A job that records its start and finishes when told to. */
function gate(log: string[], name: string) {
  let open: () => void = () => {};
  const done = new Promise<void>((r) => (open = r));
  return {
    job: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
    },
    open: () => open(),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

t.test('a key runs one job at a time, in order; other keys run beside it up to the limit', async (t) => {
  const log: string[] = [];
  const q = new KeyedQueue(2);
  const a1 = gate(log, 'a1');
  const a2 = gate(log, 'a2');
  const b1 = gate(log, 'b1');
  const c1 = gate(log, 'c1');
  q.push('a', a1.job);
  q.push('a', a2.job);
  q.push('b', b1.job);
  q.push('c', c1.job);
  await tick();
  t.same(log, ['start a1', 'start b1'], 'a2 waits for a1, c1 for a free slot');
  t.equal(q.active, 2);
  t.equal(q.queued, 2);
  a1.open();
  await tick();
  t.same(log.slice(2), ['end a1', 'start c1'], 'the freed slot goes to c (waiting longest), not to a again');
  b1.open();
  await tick();
  t.same(log.slice(4), ['end b1', 'start a2']);
  c1.open();
  a2.open();
  await q.idle();
  t.equal(q.active, 0);
  t.equal(q.queued, 0);
  t.ok(log.indexOf('end a1') < log.indexOf('start a2'), 'never two jobs of one key at once');
});

t.test('a busy key holds one slot: a burst of one terminal does not starve the others', async (t) => {
  const order: string[] = [];
  const q = new KeyedQueue(2);
  for (let i = 0; i < 20; i++) q.push('busy', async () => {
    order.push('busy');
    await tick();
  });
  q.push('quiet', async () => {
    order.push('quiet');
  });
  await q.idle();
  t.ok(order.indexOf('quiet') <= 1, `the quiet terminal's batch ran at once (position ${order.indexOf('quiet')} of ${order.length})`);
  t.equal(order.length, 21);
});

t.test('a failing job is reported and the queue goes on', async (t) => {
  const errors: [string, string][] = [];
  const q = new KeyedQueue(1, (key, e) => errors.push([key, (e as Error).message]));
  const ran: number[] = [];
  q.push('a', async () => {
    throw new Error('boom');
  });
  q.push('a', async () => {
    ran.push(2);
  });
  await q.idle();
  t.same(errors, [['a', 'boom']]);
  t.same(ran, [2], 'the next job of the same key still ran');
  t.throws(() => new KeyedQueue(0), RangeError);
  await q.idle(); // idle when nothing is queued resolves at once
});
