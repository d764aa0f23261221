// Clearing over a real broker: a real wallet pays offline at a merchant terminal and a transit validator; balances are exact.
import t from 'tap';
import { createWorld } from './test-world.js';
import { merchantAccount, purseAccount } from './ledger.js';
import { ledgerBackends } from '../test/support/postgres.js';

for (const backend of ledgerBackends(t)) t.test(`${backend.name}: offline payments at a merchant terminal and a validator settle exactly once`, async (t) => {
  const w = await createWorld({ db: await backend.db() });
  t.teardown(() => w.close());
  const { wallet, purseId, account } = await w.wallet('alice', 10_000, 2_500);
  const cafe = await w.merchant('T-CAFE-1');
  const gate = await w.validator('T-GATE-1');

  // Offline: nothing reaches the back office yet.
  const req = await cafe.requestPayment(450, 'EUR', 'order-7');
  const pay1 = await wallet.payMerchant(req);
  t.equal(pay1.merchant?.displayName, 'Café Tessera', 'the wallet shows the certified merchant name');
  t.match(await cafe.accept(pay1.text), { approved: true, charged: 450 });
  const pay2 = await wallet.payTransit({ operator: 'OP-METRO', line: 'L1', max: 300 });
  t.match(await gate.accept(pay2.text), { approved: true, charged: 180 });
  const req2 = await cafe.requestPayment(99_999, 'EUR');
  await t.rejects(wallet.payMerchant(req2), { code: 'INSUFFICIENT_FUNDS' }, 'over the per-payment limit: the wallet refuses');
  t.equal(wallet.balances()[0]?.available, 10_000 - 450 - 300, 'wallet balance: cap minus cumulative authorised');

  // Connectivity returns.
  await w.clearing();
  const term = await w.client('term');
  const ackCafe = await cafe.sync(term);
  t.same(ackCafe, { upTo: 1, results: [{ index: 1, status: 'settled' }], omitted: 0 });
  const ackGate = await gate.sync(term);
  t.same(ackGate, { upTo: 1, results: [{ index: 1, status: 'settled' }], omitted: 0 });

  // A re-sent batch (lost ack) is harmless.
  const again = await cafe.sync(term, 10_000, cafe.batch(cafe.journal.slice(0, 1)));
  t.equal(again.results[0]?.status, 'duplicate');

  const bo = w.bo;
  t.equal((await bo.account(account)).balance, 15_000 - 10_000, 'account: funded minus the reserved cap');
  t.equal((await bo.ledger.getAccount(purseAccount(purseId)))?.balance, 10_000 - 450 - 180, 'purse reservation minus what was charged');
  t.equal((await bo.ledger.getAccount(merchantAccount('M-CAFE')))?.balance, 450);
  t.equal((await bo.ledger.getAccount(merchantAccount('OP-METRO')))?.balance, 180, 'transit settles the fare, not the maximum');
  const report = await bo.report();
  t.equal(report.trialBalance, 0, 'postings balance');
  t.equal(report.settlementCount, 2);
  t.same(report.fraudCases, []);

  // Expiry returns what the purse did not spend.
  const later = await bo.ledger.expirePurses(bo.now() + 40 * 86_400, 0);
  t.same(later, [{ purseId, returned: 10_000 - 630 }]);
  t.equal((await bo.account(account)).balance, 15_000 - 630);
  t.equal((await bo.ledger.getAccount(purseAccount(purseId)))?.balance, 0);
});

