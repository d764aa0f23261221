// A merchant's refunds and payouts listed on one backend: newest first, filters, cursor paging, days cut at midnight UTC, nets adding up to what is due.
import type { Test } from 'tap';
import { merchantAccount } from '../../backoffice/ledger.js';
import { listFraudCases, listPayouts, listRefunds, refundPayment, resolveFraudCase } from '../../backoffice/ops/index.js';
import type { LedgerBackend } from '../support/postgres.js';
import { START, opsWorld } from './ops-world.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const DAY = 86_400;

export function merchantListsSuite(t: Test, backend: LedgerBackend): void {
  t.test("a merchant's refunds and payouts over two days", async (t) => {
    const w = await opsWorld(await backend.db());
    t.teardown(() => w.close());
    const l = w.bo.ledger;
    const cafe = await w.terminal('T-1');
    const bakery = await w.terminal('T-2', 'M-BAKERY');
    const ann = await w.purse('ann');
    const clone = await w.purse('cleo', 1_000);

    // Day one: two café payments and a bakery one; the café refunds part of the first.
    const big = await w.pay(cafe, ann, 450);
    await w.pay(cafe, ann, 50);
    await w.pay(bakery, ann, 300);
    await w.clear(cafe);
    await w.clear(bakery);
    const base = { merchantId: 'M-CAFE', reason: 'cold coffee', actor: 'cafe-owner' };
    await refundPayment(l, { ...base, txId: big.txId, amount: 100, refundId: 'r-1', now: w.now() });

    // Day two: one payment refunded at the till, and a double spend whose second payment, at the
    // café, the operator pays the café for.
    w.clock.advance(DAY * 1000);
    const small = await w.pay(cafe, ann, 200);
    await w.pay(bakery, clone, 120);
    await w.pay(cafe, clone, 120, { again: true });
    await w.clear(bakery);
    await w.clear(cafe);
    await refundPayment(l, { ...base, txId: small.txId, amount: 50, refundId: 'till-7', source: 'terminal', terminalId: 'T-1', now: w.now() });
    const open = (await listFraudCases(l, { status: 'open' })).items[0];
    t.equal(open?.merchantId, 'M-CAFE', 'the café took the flagged payment');
    await resolveFraudCase(l, { caseId: open?.id as number, outcome: 'pay-merchant', reason: 'holder not at fault', actor: 'op', now: w.now() });

    // Refunds, newest first, each with what it refunded and who made it.
    const refunds = await listRefunds(l, { merchantId: 'M-CAFE' });
    t.match(refunds, {
      items: [
        { refundId: 'till-7', txId: small.txId, amount: eur(50), source: 'terminal', terminalId: 'T-1', account: 'acct-ann' },
        { refundId: 'r-1', txId: big.txId, amount: eur(100), source: 'merchant', terminalId: null, actor: 'cafe-owner', reason: 'cold coffee' },
      ],
      nextCursor: null,
    });
    const first = await listRefunds(l, { merchantId: 'M-CAFE', limit: 1 });
    t.same(first.items.map((r) => r.refundId), ['till-7']);
    const rest = await listRefunds(l, { merchantId: 'M-CAFE', limit: 1, cursor: first.nextCursor });
    t.same([rest.items.map((r) => r.refundId), rest.nextCursor], [['r-1'], null], 'the next page, and no more');
    t.same((await listRefunds(l, { merchantId: 'M-CAFE', source: 'merchant' })).items.map((r) => r.refundId), ['r-1'], 'by source');
    t.same((await listRefunds(l, { merchantId: 'M-CAFE', txId: small.txId })).items.map((r) => r.refundId), ['till-7'], 'by payment');
    t.same((await listRefunds(l, { merchantId: 'M-CAFE', terminalId: 'T-1' })).items.map((r) => r.refundId), ['till-7'], 'by terminal');
    t.same((await listRefunds(l, { merchantId: 'M-CAFE', to: START + DAY })).items.map((r) => r.refundId), ['r-1'], 'by time');
    t.same((await listRefunds(l, { merchantId: 'M-BAKERY' })).items, [], "another merchant's are not listed");
    await t.rejects(listRefunds(l, { merchantId: 'M-CAFE', cursor: 'bogus' }), { code: 'USAGE' });
    await t.rejects(listRefunds(l, { merchantId: 'M-CAFE', source: 'bank' as 'merchant' }), { code: 'USAGE' });
    await t.rejects(listRefunds(l, { merchantId: 'M CAFE' }), { code: 'USAGE' });

    // Payouts: one line per UTC day, newest first.
    const day1 = Math.floor(START / DAY) * DAY;
    const payouts = await listPayouts(l, { merchantId: 'M-CAFE' });
    t.match(payouts, {
      items: [
        { date: new Date((day1 + DAY) * 1000).toISOString().slice(0, 10), from: day1 + DAY, to: day1 + 2 * DAY, payments: { count: 1, amount: eur(200) }, refunds: { count: 1, amount: eur(50) }, fraudPaid: { count: 1, amount: eur(120) }, net: eur(270) },
        { date: new Date(day1 * 1000).toISOString().slice(0, 10), from: day1, to: day1 + DAY, payments: { count: 2, amount: eur(500) }, refunds: { count: 1, amount: eur(100) }, fraudPaid: { count: 0, amount: eur(0) }, net: eur(400) },
      ],
      nextCursor: null,
    });
    const due = (await l.getAccount(merchantAccount('M-CAFE')))?.balance;
    t.equal(payouts.items.reduce((s, p) => s + p.net.amount, 0), due, 'the payouts add up to what the account holds');
    const newest = await listPayouts(l, { merchantId: 'M-CAFE', limit: 1 });
    t.equal(newest.items[0]?.from, day1 + DAY);
    const older = await listPayouts(l, { merchantId: 'M-CAFE', limit: 1, cursor: newest.nextCursor });
    t.same([older.items.map((p) => p.from), older.nextCursor], [[day1], null], 'paged by day');
    t.same((await listPayouts(l, { merchantId: 'M-CAFE', from: day1 + DAY })).items.map((p) => p.date), [payouts.items[0]?.date], 'from a time');
    t.match((await listPayouts(l, { merchantId: 'M-BAKERY' })).items, [{ payments: { count: 1, amount: eur(120) } }, { payments: { count: 1, amount: eur(300) } }]);
    t.same((await listPayouts(l, { merchantId: 'M-NONE' })).items, [], 'a merchant with no account has no payout');
    await t.rejects(listPayouts(l, { merchantId: 'M-CAFE', cursor: 'bogus' }), { code: 'USAGE' });
    await t.rejects(listPayouts(l, { merchantId: 'M-CAFE', from: -1 }), { code: 'USAGE' });
  });
}
