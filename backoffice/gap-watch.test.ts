// GapWatch: one deferred check per terminal, covering the highest record held; gapClosed reads the head from the ledger.
import t from 'tap';
import { GapWatch, gapClosed } from './gap-watch.js';
import type { TerminalRecord } from './ledger.js';

t.test('checks are coalesced per terminal and run through the terminal queue', async (t) => {
  const queued: [string, () => Promise<void>][] = [];
  const w = new GapWatch(0, (id, job) => queued.push([id, job]));
  const seen: [string, number][] = [];
  const check = (id: string) => async (upTo: number) => {
    seen.push([id, upTo]);
  };
  w.watch('T-1', 40, check('T-1'));
  // Delay 0: queued at once; a second hold before the check ran widens the same check.
  w.watch('T-1', 80, check('T-1'));
  w.watch('T-2', 20, check('T-2'));
  t.same(queued.map(([id]) => id), ['T-1', 'T-2'], 'one check per terminal');
  t.equal(w.size, 2);
  for (const [, job] of queued) await job();
  t.same(seen, [['T-1', 80], ['T-2', 20]], 'the check covers the highest index held');
  t.equal(w.size, 0);
});

t.test('with a delay, clear() drops pending checks (the ack timeout covers them)', async (t) => {
  const queued: string[] = [];
  const w = new GapWatch(60_000, (id) => queued.push(id));
  w.watch('T-1', 10, async () => {});
  t.equal(w.size, 1);
  w.clear();
  t.equal(w.size, 0);
  t.same(queued, [], 'nothing was queued');
});

t.test('gapClosed: closed once the head reaches the highest held record', async (t) => {
  const head = (lastIndex: number) => ({ getTerminal: async () => ({ lastIndex }) as TerminalRecord });
  t.same(await gapClosed(head(40), 'T', 40), { closed: true, head: 40 });
  t.same(await gapClosed(head(60), 'T', 40), { closed: true, head: 60 });
  t.same(await gapClosed(head(20), 'T', 40), { closed: false, head: 20 }, 'records 21.. still missing');
  t.same(await gapClosed({ getTerminal: async () => undefined }, 'T', 5), { closed: false, head: 0 });
});
