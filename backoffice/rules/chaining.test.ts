// The chaining plan without a database: appends, holds behind a gap, re-deliveries, forks and breaks.
import t from 'tap';
import { IncidentTally } from '../incidents.js';
import type { JournalEntry } from '../ledger.js';
import { indexesToCompare, planChain, reportStep } from './chaining.js';

const h = (n: number) => new Uint8Array(32).fill(n);
const entry = (index: number, prev = index - 1, hash = index): JournalEntry => ({
  terminalId: 'T-1',
  chain: 1,
  index,
  prevHash: h(prev),
  hash: h(hash),
  txId: `tx-${index}`,
  record: new Uint8Array([index]),
  payment: new Uint8Array(),
  time: 0,
  verdict: { kind: 'declined' },
});
const genesis = { lastIndex: 0, lastHash: h(0) };
const kinds = (p: ReturnType<typeof planChain>) => p.steps.map((s) => `${s.kind}:${s.entry.index}`);

t.test('contiguous records append in index order whatever order they arrive in', async (t) => {
  const p = planChain(genesis, [entry(2), entry(1), entry(3)], new Map(), new Map());
  t.same(kinds(p), ['append:1', 'append:2', 'append:3']);
  t.match(p, { lastIndex: 3, lastHash: h(3), held: [] });
});

t.test('records past a gap are held, then appended when the gap fills', async (t) => {
  const first = planChain(genesis, [entry(1), entry(3), entry(4)], new Map(), new Map());
  t.same(kinds(first), ['append:1', 'hold:3', 'hold:4']);
  t.same(first.held, [3, 4]);
  t.match(first.steps[1], { isNew: true, after: 1 });
  const waiting = new Map([[3, entry(3)], [4, entry(4)]]);
  const again = planChain({ lastIndex: 1, lastHash: h(1) }, [entry(4)], waiting, new Map());
  t.match(again.steps, [{ kind: 'hold', isNew: false }], 'held once, not twice');
  const filled = planChain({ lastIndex: 1, lastHash: h(1) }, [entry(2)], waiting, new Map());
  t.same(filled.steps.map((s) => [s.kind, s.entry.index, s.kind === 'append' && s.fromHeld]), [['append', 2, false], ['append', 3, true], ['append', 4, true]]);
  t.match(filled, { lastIndex: 4, held: [] });
});

t.test('at or below the head: a duplicate when the hash matches, a fork otherwise', async (t) => {
  const head = { lastIndex: 2, lastHash: h(2) };
  t.same(indexesToCompare(2, [entry(1), entry(3)]), [1]);
  const p = planChain(head, [entry(1), entry(2, 1, 9), entry(3)], new Map(), new Map([[1, h(1)], [2, h(2)]]));
  t.same(kinds(p), ['duplicate:1', 'fork:2', 'append:3']);
  t.same(kinds(planChain(head, [entry(2)], new Map(), new Map())), ['fork:2'], 'nothing stored at the index is no proof of a duplicate');
  t.same(kinds(planChain(genesis, [entry(1), entry(1), entry(1, 0, 9)], new Map(), new Map())), ['append:1', 'duplicate:1', 'fork:1'], 'twice in one batch');
});

t.test('a record that does not chain breaks; a held one that does not is dropped', async (t) => {
  const p = planChain({ lastIndex: 1, lastHash: h(1) }, [entry(2, 7)], new Map(), new Map());
  t.match(p.steps, [{ kind: 'break', after: 1, fromHeld: false }]);
  t.equal(p.lastIndex, 1);
  const held = planChain({ lastIndex: 1, lastHash: h(1) }, [entry(2)], new Map([[3, entry(3, 8)], [4, entry(4)]]), new Map());
  t.same(kinds(held), ['append:2', 'break:3']);
  t.match(held.steps[1], { fromHeld: true, after: 2 });
  t.equal(held.lastIndex, 2, 'what follows a broken held record keeps waiting');
});

t.test('reportStep answers and reports what clears nothing', async (t) => {
  const tally = new IncidentTally('T-1', 100);
  const p = planChain({ lastIndex: 1, lastHash: h(1) }, [entry(1, 0, 5), entry(3), entry(2, 6)], new Map(), new Map([[1, h(1)]]));
  const answers = p.steps.map((s) => reportStep(s, 4, tally));
  t.same(answers, [
    { index: 1, txId: 'tx-1', status: 'rejected', reason: 'fork: another record holds this index' },
    { index: 2, txId: 'tx-2', status: 'rejected', reason: 'chain break: previous hash does not match' },
    undefined,
  ]);
  t.same(tally.reports.map((r) => [r.kind, r.detail]), [
    ['fork', 'a different record 1 was already recorded (chain 4)'],
    ['chain-break', 'record 2 does not chain to record 1 (chain 4)'],
    ['gap', 'record 3 held: records 2..2 are missing (chain 4)'],
  ]);
  t.equal(reportStep({ kind: 'append', entry: entry(2), fromHeld: false }, 1, tally), undefined);
});
