// Operator look-ups on one backend: transactions (decoded, re-verified, sealed details), search with cursor paging, purses, terminals, statements.
import type { Test } from 'tap';
import { KeySigner, utf8 } from '#protocol';
import { ClearingEngine } from '../../backoffice/clearing.js';
import { accountStatement, dailyStatement, listPurses, listTerminals, lookupPurse, overview, lookupTerminal, lookupTransaction, openPendingSealed, searchTransactions, type TransactionView } from '../../backoffice/ops/index.js';
import type { LedgerBackend } from '../support/postgres.js';
import { START, opsWorld, type OpsWorld } from './ops-world.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

export function transactionsSuite(t: Test, backend: LedgerBackend): void {
  const withWorld = (name: string, fn: (t: Test, w: OpsWorld) => Promise<void>) =>
    t.test(name, async (t) => {
      const w = await opsWorld(await backend.db());
      t.teardown(() => w.close());
      await fn(t, w);
    });

  withWorld('a transaction looked up by txId: records, re-verification, settlement, sealed details', async (t, w) => {
    const cafe = await w.terminal('T-1');
    const bakery = await w.terminal('T-2', 'M-BAKERY');
    const a = await w.purse('ann');
    const basket = '{"basket":"2 coffees"}';
    const p1 = await w.pay(cafe, a, 450, { sealed: basket });
    w.clock.advance(60_000);
    const p2 = await w.pay(cafe, a, 300);
    const p3 = await w.pay(bakery, a, 200, { sealed: utf8('x') });
    await w.clear(cafe);
    await w.clear(bakery);
    const trust = w.bo.trust;

    const v = await lookupTransaction(w.bo.ledger, { txId: p1.txId, trust, showSealed: true });
    t.match(v, {
      txId: p1.txId,
      merchantId: 'M-CAFE',
      settlement: { purseId: a.purseId, seq: 1, amount: eur(450), terminalId: 'T-1', merchantId: 'M-CAFE', index: 1 },
      payment: { purseId: a.purseId, seq: 1, cumulative: 450, authorised: eur(450), payeeKind: 'merchant', payee: 'T-1', hasSealed: true },
      refunds: [],
      refunded: eur(0),
      fraudCases: [],
      sealed: { status: 'opened', text: basket, error: null },
    });
    t.equal(v.records.length, 1);
    t.match(v.records[0], { status: 'settled', terminalId: 'T-1', index: 1, amount: eur(450), record: { decision: 'approved', amountCharged: 450 } });
    t.match(v.records[0]?.verification, { record: 'ok', payment: { kind: 'payment', purseId: a.purseId, seq: 1, charged: 450 } });
    t.equal((await lookupTransaction(w.bo.ledger, { txId: p1.txId })).sealed, 'hidden', 'sealed details are shown only when asked for');
    t.equal((await lookupTransaction(w.bo.ledger, { txId: p1.txId, merchantId: 'M-CAFE' })).txId, p1.txId);
    await t.rejects(lookupTransaction(w.bo.ledger, { txId: p1.txId, merchantId: 'M-BAKERY' }), { code: 'NOT_FOUND' }, "another merchant's payment is unknown to a merchant");
    t.equal((await lookupTransaction(w.bo.ledger, { txId: p2.txId, showSealed: true })).sealed, null, 'no sealed details');
    t.equal((await lookupTransaction(w.bo.ledger, { txId: p1.txId, accountId: 'acct-ann', showSealed: true })).txId, p1.txId, "the customer's own payment");
    await t.rejects(lookupTransaction(w.bo.ledger, { txId: p1.txId, accountId: 'acct-bob' }), { code: 'NOT_FOUND' }, "another customer's payment is unknown to a customer");
    const bad = (await lookupTransaction(w.bo.ledger, { txId: p3.txId, showSealed: true })).sealed as Exclude<TransactionView['sealed'], 'hidden' | null>;
    t.match(bad, { status: 'opened', text: 'x' }, 'details of a payment at the other merchant');
    await t.rejects(lookupTransaction(w.bo.ledger, { txId: '00'.repeat(32) }), { code: 'NOT_FOUND' });
    await t.rejects(lookupTransaction(w.bo.ledger, { txId: 'not hex' }), { code: 'USAGE' });

    const report = await w.bo.report();
    t.equal(report.sealed.count, 2);
    t.ok(report.sealed.recent.some((s) => s.txId === p1.txId && s.text === basket), 'the report shows the opened details');
  });

  withWorld('sealed details that do not open, and settlements opened afterwards', async (t, w) => {
    const cafe = await w.terminal('T-1');
    const a = await w.purse('ann');
    const other = KeySigner.generate();
    // A back office clearing without the opening step (as if it crashed between the commit and the opening).
    const plain = new ClearingEngine(w.bo.ledger, w.bo.trust, w.clock);
    const p1 = await w.pay(cafe, a, 100, { sealed: 'late' });
    await plain.processBatch(cafe.terminalId, cafe.batch());
    t.equal((await lookupTransaction(w.bo.ledger, { txId: p1.txId, showSealed: true })).sealed, null);
    t.same(await openPendingSealed(w.bo.ledger, w.bo.sealedKey.secretKey(), w.now()), { scanned: 1, stored: 1 });
    t.match((await lookupTransaction(w.bo.ledger, { txId: p1.txId, showSealed: true })).sealed, { status: 'opened', text: 'late' });
    t.same(await openPendingSealed(w.bo.ledger, w.bo.sealedKey.secretKey(), w.now()), { scanned: 0, stored: 0 }, 'idempotent');
    // The wrong key (a box sealed to another recipient): stored as unreadable, with why.
    const p2 = await w.pay(cafe, a, 100, { sealed: 'secret' });
    await plain.processBatch(cafe.terminalId, cafe.batch([cafe.journal[1] as Uint8Array]));
    t.same(await openPendingSealed(w.bo.ledger, other.secretKey(), w.now()), { scanned: 1, stored: 1 });
    t.match((await lookupTransaction(w.bo.ledger, { txId: p2.txId, showSealed: true })).sealed, { status: 'unreadable', text: null, error: /cannot open/ });
  });

  withWorld('transaction search: filters and cursor paging', async (t, w) => {
    const cafe = await w.terminal('T-1');
    const bakery = await w.terminal('T-2', 'M-BAKERY');
    const a = await w.purse('ann');
    const b = await w.purse('bob');
    const paid: string[] = [];
    for (const [term, p, amount] of [[cafe, a, 100], [cafe, b, 200], [bakery, a, 300], [cafe, a, 400], [bakery, b, 500]] as const) {
      paid.push((await w.pay(term, p, amount)).txId);
      w.clock.advance(60_000);
    }
    await w.clear(cafe);
    await w.clear(bakery);
    const l = w.bo.ledger;
    const all = await searchTransactions(l, {});
    t.same(all.items.map((x) => x.txId), [...paid].reverse(), 'newest first');
    t.equal(all.nextCursor, null);
    t.same((await searchTransactions(l, { terminalId: 'T-2' })).items.map((x) => x.amount?.amount), [500, 300]);
    t.same((await searchTransactions(l, { merchantId: 'M-CAFE' })).items.map((x) => x.amount?.amount), [400, 200, 100]);
    t.same((await searchTransactions(l, { purseId: b.purseId })).items.map((x) => x.amount?.amount), [500, 200]);
    t.same((await searchTransactions(l, { accountId: 'acct-ann' })).items.map((x) => x.amount?.amount), [400, 300, 100]);
    t.same((await searchTransactions(l, { txId: paid[2] as string })).items.map((x) => x.terminalId), ['T-2']);
    t.equal((await searchTransactions(l, { status: 'settled' })).items.length, 5);
    t.equal((await searchTransactions(l, { status: 'fraud' })).items.length, 0);
    t.same((await searchTransactions(l, { from: START + 60, to: START + 180 })).items.map((x) => x.amount?.amount), [300, 200], 'from inclusive, to exclusive');
    const first = await searchTransactions(l, { limit: 2 });
    t.same(first.items.map((x) => x.amount?.amount), [500, 400]);
    const second = await searchTransactions(l, { limit: 2, cursor: first.nextCursor });
    t.same(second.items.map((x) => x.amount?.amount), [300, 200]);
    const third = await searchTransactions(l, { limit: 2, cursor: second.nextCursor });
    t.same(third.items.map((x) => x.amount?.amount), [100]);
    t.equal(third.nextCursor, null);
    await t.rejects(searchTransactions(l, { cursor: 'garbage' }), { code: 'USAGE' });
    await t.rejects(searchTransactions(l, { limit: 501 }), { code: 'USAGE' });
    await t.rejects(searchTransactions(l, { status: 'paid' }), { code: 'USAGE' });
    await t.rejects(searchTransactions(l, { purseId: 'xyz' }), { code: 'USAGE' });

    const purse = await lookupPurse(l, { purseId: a.purseId, limit: 2 });
    t.match(purse.purse, { purseId: a.purseId, status: 'active', cap: eur(10_000), spent: eur(800), reserved: eur(9_200), denied: null, closure: null });
    t.same(purse.payments.items.map((x) => x.seq), [3, 2]);
    t.same((await lookupPurse(l, { purseId: a.purseId, cursor: purse.payments.nextCursor })).payments.items.map((x) => x.seq), [1]);
    await t.rejects(lookupPurse(l, { purseId: a.purseId, accountId: 'acct-bob' }), { code: 'NOT_FOUND' }, "another customer's purse is unknown");
    await t.rejects(lookupPurse(l, { purseId: '0'.repeat(32) }), { code: 'NOT_FOUND' });

    const term = await lookupTerminal(l, { terminalId: 'T-2' });
    t.match(term, { terminalId: 'T-2', merchantId: 'M-BAKERY', mode: 'merchant', records: { settled: 2 }, settled: { count: 2, amount: eur(800) }, held: 0 });
    t.same(term.chains.map((c) => [c.chain, c.lastIndex, c.retiredAt]), [[1, 2, null]]);
    await t.rejects(lookupTerminal(l, { terminalId: 'T-2', merchantId: 'M-CAFE' }), { code: 'NOT_FOUND' });
  });

  withWorld('daily statements per merchant and per terminal, in a time zone', async (t, w) => {
    const cafe = await w.terminal('T-1');
    const cafe2 = await w.terminal('T-3');
    const a = await w.purse('ann');
    await w.pay(cafe, a, 450);
    await w.pay(cafe2, a, 50);
    await w.clear(cafe);
    await w.clear(cafe2);
    const date = new Date(START * 1000).toISOString().slice(0, 10);
    const s = await dailyStatement(w.bo.ledger, { merchantId: 'M-CAFE', date });
    t.match(s, { merchantId: 'M-CAFE', date, timeZone: 'UTC', currency: 'EUR', payments: { count: 2, amount: eur(500) }, refunds: { count: 0, amount: eur(0) }, net: eur(500) });
    t.same(s.terminals, [{ terminalId: 'T-1', count: 1, amount: eur(450) }, { terminalId: 'T-3', count: 1, amount: eur(50) }]);
    t.equal(s.to - s.from, 86_400);
    t.match(await dailyStatement(w.bo.ledger, { terminalId: 'T-3', date }), { terminalId: 'T-3', payments: { count: 1, amount: eur(50) }, net: eur(50) });
    // Settled at START (08:00 UTC): in Honolulu (UTC−10) that is the evening before.
    const before = new Date((START - 86_400) * 1000).toISOString().slice(0, 10);
    t.match(await dailyStatement(w.bo.ledger, { merchantId: 'M-CAFE', date: before, timeZone: 'Pacific/Honolulu' }), { payments: { count: 2 } });
    t.match(await dailyStatement(w.bo.ledger, { merchantId: 'M-CAFE', date }), { payments: { count: 2 } });
    t.match(await dailyStatement(w.bo.ledger, { merchantId: 'M-CAFE', date, timeZone: 'Pacific/Honolulu' }), { payments: { count: 0, amount: eur(0) }, net: eur(0) });
    await t.rejects(dailyStatement(w.bo.ledger, { merchantId: 'M-CAFE', date: '2027-02-30' }), { code: 'USAGE' });
    await t.rejects(dailyStatement(w.bo.ledger, { merchantId: 'M-CAFE', date, timeZone: 'Mars/Olympus' }), { code: 'USAGE' });
    await t.rejects(dailyStatement(w.bo.ledger, { date }), { code: 'USAGE' }, 'a merchant or a terminal');
  });

  withWorld('lists (purses, terminals, an account statement) and the overview', async (t, w) => {
    const cafe = await w.terminal('T-1');
    await w.terminal('T-2', 'M-BAKERY');
    await w.terminal('T-3');
    const a = await w.purse('ann', 1_000);
    w.clock.advance(1_000);
    const b = await w.purse('bob', 2_000);
    await w.pay(cafe, a, 300);
    await w.clear(cafe);
    const l = w.bo.ledger;
    const purses = await listPurses(l, { limit: 1 });
    t.same(purses.items.map((p) => [p.purseId, p.reserved.amount]), [[b.purseId, 2_000]], 'newest first');
    t.match((await listPurses(l, { cursor: purses.nextCursor })).items, [{ purseId: a.purseId, spent: eur(300), reserved: eur(700), denied: false }]);
    t.same((await listPurses(l, { accountId: 'acct-bob' })).items.map((p) => p.purseId), [b.purseId]);
    t.same((await listPurses(l, { status: 'closed' })).items, []);
    const terms = await listTerminals(l, { merchantId: 'M-CAFE', limit: 1 });
    t.same(terms.items.map((x) => x.terminalId), ['T-1']);
    t.same((await listTerminals(l, { merchantId: 'M-CAFE', cursor: terms.nextCursor })).items.map((x) => x.terminalId), ['T-3']);
    const st = await accountStatement(l, { accountId: 'acct-ann' });
    t.match(st, { accountId: 'acct-ann', kind: 'customer', balance: eur(5_000) });
    t.same(st.postings.items.map((p) => [p.kind, p.amount.amount, p.counterparty]), [['reserve', -1_000, `purse:${a.purseId}`], ['fund', 6_000, 'external:funding']]);
    await t.rejects(accountStatement(l, { accountId: 'nobody' }), { code: 'NOT_FOUND' });
    t.match(await overview(l, { now: w.now() }), { terminals: 3, purses: { active: 2, reserved: eur(2_700) }, lastDay: { settlements: 1, amount: eur(300) }, fraud: { open: 0, resolved: 0 }, denylist: { size: 0 } });
    t.match(await overview(l, { now: w.now() + 2 * 86_400 }), { lastDay: { settlements: 0, amount: eur(0) } });
  });
}
