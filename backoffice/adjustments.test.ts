// Voids and refunds from a terminal's journal over a real broker, on both ledgers: settled as refunds once, refused with reasons, never lost.
import t from 'tap';
import { createWorld } from './test-world.js';
import { merchantAccount, type Ledger } from './ledger.js';
import { ClearingEngine } from './clearing.js';
import { lookupTransaction } from './ops/index.js';
import { ledgerBackends } from '../test/support/postgres.js';

for (const backend of ledgerBackends(t)) {
  t.test(`${backend.name}: a void and a refund in the payment's batch settle as merchant → customer refunds; bad ones are refused and recorded`, async (t) => {
    const w = await createWorld({ db: await backend.db() });
    t.teardown(() => w.close());
    const { wallet, account } = await w.wallet('alice', 10_000, 2_500);
    const cafe = await w.merchant('T-CAFE-1');
    const pay = async (amount: number): Promise<string> => {
      const d = await cafe.accept((await wallet.payMerchant(await cafe.requestPayment(amount, 'EUR'))).text);
      if (!d.approved || !d.txId) throw new Error('not approved');
      return d.txId;
    };
    // Offline: two payments, a void of the first and a partial refund of the second, in one batch.
    const p1 = await pay(1_000);
    const p2 = await pay(600);
    const v1 = await cafe.adjust('void', p1, 1_000, 'EUR', 'wrong item');
    const r2 = await cafe.adjust('refund', p2, 250, 'EUR');
    // Refused ones: an unknown payment, more than is left, another currency.
    const unknown = await cafe.adjust('refund', 'ab'.repeat(32), 10, 'EUR');
    const over = await cafe.adjust('refund', p2, 351, 'EUR');
    const usd = await cafe.adjust('refund', p2, 1, 'USD');

    await w.clearing();
    const term = await w.client('term');
    const ack = await cafe.sync(term);
    t.equal(ack.upTo, 7, 'every record is recorded and acknowledged, the refused ones too');
    const status = new Map(ack.results.map((r) => [r.index, r]));
    for (const i of [1, 2, v1.index, r2.index]) t.match(status.get(i), { status: 'settled' }, `record ${i} settled`);
    t.match(status.get(unknown.index), { status: 'rejected', reason: /^refund refused: NOT_FOUND/ });
    t.match(status.get(over.index), { status: 'rejected', reason: /^refund refused: REFUND_EXCEEDS_PAYMENT/ });
    t.match(status.get(usd.index), { status: 'rejected', reason: /^refund refused: CURRENCY_MISMATCH/ });

    const bo = w.bo;
    t.equal((await bo.ledger.getAccount(merchantAccount('M-CAFE')))?.balance, 1_000 + 600 - 1_000 - 250, 'the merchant paid back the void and the refund');
    const view1 = await lookupTransaction(bo.ledger, { txId: p1 });
    t.match(view1.refunds, [{ refundId: v1.txId, amount: { amount: 1_000 }, source: 'terminal', terminalId: 'T-CAFE-1', account, reason: /^void at T-CAFE-1#3: wrong item/ }]);
    const view2 = await lookupTransaction(bo.ledger, { txId: p2 });
    t.match(view2, { refunded: { amount: 250 }, refunds: [{ refundId: r2.txId }] });
    const refusedView = await lookupTransaction(bo.ledger, { txId: over.txId });
    t.match(refusedView.records, [{ status: 'rejected', record: { adjustment: { kind: 'refund', original: p2 } } }], 'the refused record is kept, with why');
    t.equal(refusedView.payment, null, 'an adjustment carries no payment');
    const incidents = (await bo.ledger.incidents()).filter((i) => i.kind === 'refused-adjustment');
    t.equal(incidents.reduce((n, i) => n + i.count, 0), 3, 'each refusal is an incident');

    // The terminal re-sends the whole journal (lost ack): nothing is refunded twice, the refusals stand.
    const again = await cafe.sync(term, 10_000, cafe.batch(cafe.journal));
    t.ok(again.results.every((r) => r.status === 'duplicate'), 'a re-delivery is a duplicate');
    t.equal((await bo.ledger.getAccount(merchantAccount('M-CAFE')))?.balance, 350, 'refunded once');
    t.equal((await lookupTransaction(bo.ledger, { txId: p2 })).refunds.length, 1);
    const audit = await bo.ledger.audit();
    t.ok(audit.ok, 'the ledger audit holds');
    t.equal(await bo.ledger.trialBalance(), 0);
  });

  t.test(`${backend.name}: a refund in a later batch than its payment settles too`, async (t) => {
    const w = await createWorld({ db: await backend.db() });
    t.teardown(() => w.close());
    const { wallet } = await w.wallet('bob', 5_000, 2_500);
    const cafe = await w.merchant('T-CAFE-2');
    const d = await cafe.accept((await wallet.payMerchant(await cafe.requestPayment(800, 'EUR'))).text);
    await w.clearing();
    const term = await w.client('term');
    t.match(await cafe.sync(term), { upTo: 1 });
    await cafe.adjust('refund', d.txId!, 800, 'EUR');
    t.match(await cafe.sync(term), { upTo: 2, results: [{ index: 2, status: 'settled' }] });
    t.equal((await w.bo.ledger.getAccount(merchantAccount('M-CAFE')))?.balance, 0);
  });

  t.test(`${backend.name}: a refund that fails after its batch committed is settled by the sweep at clearing start`, async (t) => {
    const w = await createWorld({ db: await backend.db() });
    t.teardown(() => w.close());
    const { wallet } = await w.wallet('dan', 5_000, 2_500);
    const cafe = await w.merchant('T-CAFE-3');
    const d = await cafe.accept((await wallet.payMerchant(await cafe.requestPayment(700, 'EUR'))).text);
    await cafe.adjust('void', d.txId!, 700, 'EUR');
    // The database fails the refund's write (and only that): the batch is recorded, the refund is not.
    const real = w.bo.ledger;
    const failing = new Proxy(real, {
      get: (target, prop) =>
        prop === 'operations'
          ? () => ({ ...target.operations(), read: target.operations().read.bind(target.operations()), write: () => Promise.reject(new Error('disk I/O error')) })
          : (Reflect.get(target, prop) as unknown as (...a: unknown[]) => unknown).bind(target),
    }) as Ledger;
    await t.rejects(new ClearingEngine(failing, w.bo.clearing.trust).processBatch('T-CAFE-3', cafe.batch()), /disk I\/O error/, 'no ack: the batch failed');
    t.equal((await real.getTerminal('T-CAFE-3'))?.lastIndex, 2, 'both records are recorded');
    t.equal((await real.getAccount(merchantAccount('M-CAFE')))?.balance, 700, 'the void is not refunded yet');
    t.equal(await w.bo.clearing.settlePending(0), 1, 'the sweep finds the pending void');
    t.equal((await real.getAccount(merchantAccount('M-CAFE')))?.balance, 0, 'and refunds it');
    t.equal(await w.bo.clearing.settlePending(0), 0, 'once');
  });
}
