// The clearing rules without a database: each outcome from facts alone, and the order the checks run in.
import t from 'tap';
import type { EntryVerdict } from '../ledger.js';
import { NO_FACTS, cumulativeClash, decide, outcomeOf, type ClearingFacts, type PriorSettlement, type PurseFacts } from './clearing-rules.js';

const place = { txId: 'tx-new', terminalId: 'T-1', chain: 1, index: 7 };
const ACTIVE: PurseFacts = { status: 'active', cap: 1_000, spent: 300 };

function pay(seq: number, cumulative: number, charged: number, authorised = charged): EntryVerdict {
  return { kind: 'payment', purseId: 'P1', seq, cumulative, authorised, charged };
}

function settled(seq: number, cumulative: number, authorised: number, over: Partial<PriorSettlement> = {}): PriorSettlement {
  return { txId: `tx-${seq}`, purseId: 'P1', seq, cumulative, authorised, terminalId: 'T-0', chain: 1, index: seq, payment: new Uint8Array([seq]), ...over };
}

const facts = (prior: PriorSettlement[], purse: PurseFacts | undefined = ACTIVE, sameTx?: PriorSettlement): ClearingFacts => ({ sameTx, purse, prior });

t.test('declined and rejected verdicts need no facts', async (t) => {
  t.same(decide(place, { kind: 'declined' }, NO_FACTS), { kind: 'declined' });
  t.same(outcomeOf(decide(place, { kind: 'declined' }, NO_FACTS)), { status: 'declined-recorded' });
  const r = decide(place, { kind: 'rejected', reason: 'BAD_SIGNATURE' }, NO_FACTS);
  t.same(outcomeOf(r), { status: 'rejected', reason: 'BAD_SIGNATURE' });
});

t.test('a payment within the cap whose cumulatives agree settles', async (t) => {
  const prior = [settled(1, 100, 100), settled(2, 300, 200)];
  t.same(decide(place, pay(3, 500, 200), facts(prior)), { kind: 'settle' });
  t.same(outcomeOf({ kind: 'settle' }), { status: 'settled' });
  t.same(decide(place, pay(1, 100, 100), facts([])), { kind: 'settle' }, 'the first payment of a purse');
});

t.test('the same txId: duplicate at the same place, replay anywhere else', async (t) => {
  const same = settled(1, 100, 100, { txId: 'tx-new', terminalId: 'T-1', chain: 1, index: 7 });
  t.same(decide(place, pay(1, 100, 100), facts([], undefined, same)), { kind: 'duplicate' });
  for (const other of [{ terminalId: 'T-2' }, { chain: 2 }, { index: 8 }]) {
    const d = decide(place, pay(1, 100, 100), facts([], undefined, { ...same, ...other }));
    t.match(d, { kind: 'fraud', fraud: 'replay' }, `replay when ${Object.keys(other)[0]} differs`);
    if (d.kind === 'fraud') t.equal(d.first?.txId, 'tx-new', 'the settled one is the evidence');
  }
  t.match(outcomeOf(decide(place, pay(1, 100, 100), facts([], undefined, { ...same, terminalId: 'T-9', index: 3 }))), {
    status: 'fraud',
    reason: 'replay: payment already settled at T-9#3',
  });
});

t.test('an unknown or closed purse is rejected', async (t) => {
  t.match(decide(place, pay(1, 100, 100), { sameTx: undefined, purse: undefined, prior: [] }), { kind: 'rejected', reason: 'purse P1 was not issued by this back office' });
  t.match(decide(place, pay(1, 100, 100), facts([], { ...ACTIVE, status: 'closed' })), { kind: 'rejected', reason: 'purse P1 is closed' });
});

t.test('a settled sequence presented again with another txId is a double spend', async (t) => {
  const prior = [settled(1, 100, 100), settled(2, 300, 200)];
  const d = decide(place, pay(2, 300, 200), facts(prior));
  t.match(d, { kind: 'fraud', fraud: 'double-spend', detail: 'sequence 2 already settled as tx-2' });
  if (d.kind === 'fraud') t.equal(d.first?.seq, 2);
});

t.test('cumulatives that do not add up across terminals are inconsistent', async (t) => {
  // seq 3 says 150 was spent before it, but seq 2 already reached 300.
  const prior = [settled(1, 100, 100), settled(2, 300, 200)];
  t.match(decide(place, pay(3, 350, 200), facts(prior)), { kind: 'fraud', fraud: 'inconsistent-cumulative', detail: 'seq 3 cumulative 350 vs seq 2 cumulative 300' });
  // A later sequence already settled says less was spent before it than this earlier one's total.
  t.match(decide(place, pay(2, 400, 200), facts([settled(1, 100, 100), settled(3, 500, 200)])), { kind: 'fraud', fraud: 'inconsistent-cumulative' });
  t.equal(cumulativeClash({ seq: 3, cumulative: 500, authorised: 200 }, prior), undefined, 'exactly adding up is no clash');
  t.equal(cumulativeClash({ seq: 4, cumulative: 900, authorised: 300 }, prior), undefined, 'a gap (an unsettled sequence) is no clash');
});

t.test('a charge past the cap is over-cap, with the latest settlement as evidence', async (t) => {
  const prior = [settled(2, 300, 200), settled(1, 100, 100)];
  const d = decide(place, pay(3, 1_001, 701), facts(prior, { ...ACTIVE, spent: 300 }));
  t.match(d, { kind: 'fraud', fraud: 'over-cap', detail: 'spent 300 + 701 > cap 1000' });
  if (d.kind === 'fraud') t.equal(d.first?.seq, 2);
  t.same(decide(place, pay(3, 1_000, 700), facts(prior, { ...ACTIVE, spent: 300 })), { kind: 'settle' }, 'exactly the cap settles');
  t.match(decide(place, pay(1, 2_000, 2_000), facts([], ACTIVE)), { kind: 'fraud', fraud: 'over-cap', first: undefined }, 'no evidence before the first');
});

t.test('the checks run in a fixed order', async (t) => {
  const twin = settled(2, 300, 200);
  // Double spend wins over an inconsistent cumulative and over the cap.
  t.match(decide(place, pay(2, 5_000, 5_000), facts([settled(1, 100, 100), twin])), { fraud: 'double-spend' });
  // A replay is found before the purse is looked at (even a closed or unknown purse).
  t.match(decide(place, pay(2, 300, 200), facts([], undefined, { ...twin, terminalId: 'T-2' })), { fraud: 'replay' });
  // A closed purse is rejected before any fraud rule runs.
  t.match(decide(place, pay(2, 300, 200), facts([twin], { ...ACTIVE, status: 'closed' })), { kind: 'rejected' });
  // Inconsistent cumulative before over-cap.
  t.match(decide(place, pay(3, 350, 100), facts([settled(1, 100, 100), settled(2, 300, 200)], { ...ACTIVE, spent: 950 })), { fraud: 'inconsistent-cumulative' });
});

t.test('the neighbours and the highest settlement decide as the whole history does', async (t) => {
  // A consistent history with holes (sequences 3 and 7 never settled), as clearing leaves it.
  const history = [1, 2, 4, 5, 6, 8, 9].map((s) => settled(s, s * 100, 100));
  const around = (seq: number) => {
    const below = history.filter((s) => s.seq < seq).at(-1);
    const above = history.find((s) => s.seq > seq);
    return [history.find((s) => s.seq === seq), below, above, history.at(-1)].filter((s): s is PriorSettlement => s !== undefined);
  };
  const differ: string[] = [];
  const kinds = new Set<string>();
  for (let seq = 1; seq <= 11; seq++) {
    for (let cumulative = 50; cumulative <= 1_200; cumulative += 50) {
      for (const charged of [50, 100, 250]) {
        const v = pay(seq, cumulative, charged);
        const purse = { ...ACTIVE, cap: 100_000, spent: 700 };
        const whole = decide(place, v, facts(history, purse));
        kinds.add(whole.kind === 'fraud' ? whole.fraud : whole.kind);
        if (JSON.stringify(decide(place, v, facts(around(seq), purse))) !== JSON.stringify(whole)) differ.push(`seq ${seq} cumulative ${cumulative} charged ${charged}`);
      }
    }
  }
  t.same(differ, [], 'the same decision for all 792 payments');
  t.same([...kinds].sort(), ['double-spend', 'inconsistent-cumulative', 'settle'], 'the payments cover every outcome the history can give');
});
