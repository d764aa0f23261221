// Operator money operations on one backend: fraud cases resolved once, purses closed early, undeny, refunds (idempotent, bounded), all audited.
import type { Test } from 'tap';
import { merchantAccount } from '../../backoffice/ledger.js';
import { FRAUD_LOSS_ACCOUNT, closePurse, listFraudCases, lookupFraudCase, lookupTransaction, refundPayment, resolveFraudCase, undenyPurse } from '../../backoffice/ops/index.js';
import type { LedgerBackend } from '../support/postgres.js';
import { opsWorld, type OpsWorld } from './ops-world.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

export function moneySuite(t: Test, backend: LedgerBackend): void {
  const withWorld = (name: string, fn: (t: Test, w: OpsWorld) => Promise<void>) =>
    t.test(name, async (t) => {
      const w = await opsWorld(await backend.db());
      t.teardown(() => w.close());
      await fn(t, w);
      t.match(await w.bo.ledger.audit(), { ok: true, problems: [] }, 'the ledger audits clean afterwards');
    });
  const balance = async (w: OpsWorld, id: string) => (await w.bo.ledger.getAccount(id))?.balance ?? 0;

  withWorld('a double spend becomes a fraud case; resolved once, by one transfer, with both payments as evidence', async (t, w) => {
    const cafe = await w.terminal('T-1');
    const bakery = await w.terminal('T-2', 'M-BAKERY');
    const clone = await w.purse('cleo', 1_000);
    const first = await w.pay(cafe, clone, 500);
    const second = await w.pay(bakery, clone, 500, { again: true });
    await w.clear(cafe);
    await w.clear(bakery);
    const l = w.bo.ledger;
    const open = await listFraudCases(l, { status: 'open' });
    t.equal(open.items.length, 1);
    const id = open.items[0]?.id as number;
    const c = await lookupFraudCase(l, { caseId: id });
    t.match(c, { id, purseId: clone.purseId, kind: 'double-spend', merchantId: 'M-BAKERY', terminalId: 'T-2', amount: eur(500), firstTxId: first.txId, secondTxId: second.txId, status: 'open', resolution: null });
    t.match(c.evidence, { first: { seq: 1, payee: 'T-1', authorised: eur(500) }, second: { seq: 1, payee: 'T-2', authorised: eur(500) } });
    await t.rejects(lookupFraudCase(l, { caseId: id, merchantId: 'M-CAFE' }), { code: 'NOT_FOUND' });
    t.same((await lookupTransaction(l, { txId: second.txId })).fraudCases, [id]);

    await t.rejects(undenyPurse(l, { purseId: clone.purseId, reason: 'found', actor: 'op', now: w.now() }), { code: 'CONFLICT' }, 'not while a case is open');
    const customer = await balance(w, 'acct-cleo');
    const merchant = await balance(w, merchantAccount('M-BAKERY'));
    // Retries of one decision, at once: one transfer.
    const tries = await Promise.all([1, 2, 3].map(() => resolveFraudCase(l, { caseId: id, outcome: 'charge-back', reason: 'holder cloned the wallet', actor: 'op-1', now: w.now() })));
    t.equal(tries.filter((r) => r.created).length, 1);
    t.match(tries[0]?.case, { status: 'resolved', resolution: { outcome: 'charge-back', reason: 'holder cloned the wallet', actor: 'op-1', amount: eur(500), debit: 'acct-cleo', credit: merchantAccount('M-BAKERY') } });
    t.equal(await balance(w, 'acct-cleo'), customer - 500, "charged to the purse's account");
    t.equal(await balance(w, merchantAccount('M-BAKERY')), merchant + 500, 'the merchant is paid');
    await t.rejects(resolveFraudCase(l, { caseId: id, outcome: 'pay-merchant', reason: 'changed my mind', actor: 'op-2', now: w.now() }), { code: 'CONFLICT' }, 'resolved stays resolved');
    await t.rejects(resolveFraudCase(l, { caseId: 999, outcome: 'pay-merchant', reason: 'x', actor: 'op', now: w.now() }), { code: 'NOT_FOUND' });
    await t.rejects(resolveFraudCase(l, { caseId: id, outcome: 'refund' as 'charge-back', reason: 'x', actor: 'op', now: w.now() }), { code: 'USAGE' });
    await t.rejects(resolveFraudCase(l, { caseId: id, outcome: 'charge-back', reason: ' ', actor: 'op', now: w.now() }), { code: 'USAGE' }, 'a reason is required');
    t.equal((await listFraudCases(l, { status: 'open' })).items.length, 0);
    t.equal((await listFraudCases(l, { status: 'resolved', merchantId: 'M-BAKERY' })).items.length, 1);

    // Resolved: the purse may come off the deny list (a new version leaves it out).
    t.ok((await l.denyList()).purseIds.includes(clone.purseId));
    const u = await undenyPurse(l, { purseId: clone.purseId, reason: 'holder verified', actor: 'op', now: w.now() });
    t.match(u, { purseId: clone.purseId, removed: true });
    t.notOk((await l.denyList()).purseIds.includes(clone.purseId));
    const signed = await w.bo.signDenylist();
    t.ok(signed.version >= u.version && !signed.purseIds.includes(clone.purseId), 'the next signed list leaves it out');
    t.match(await undenyPurse(l, { purseId: clone.purseId, reason: 'again', actor: 'op', now: w.now() }), { removed: false });

    // Another double spend, this time the operator pays the merchant from its fraud-loss account.
    const again = await w.pay(cafe, clone, 100);
    await w.pay(bakery, clone, 100, { again: true });
    await w.clear(cafe);
    await w.clear(bakery);
    const second2 = (await listFraudCases(l, { status: 'open' })).items[0];
    t.ok(second2 && again.txId);
    const r = await resolveFraudCase(l, { caseId: second2?.id as number, outcome: 'pay-merchant', reason: 'holder not at fault', actor: 'op', now: w.now() });
    t.match(r.case.resolution, { debit: FRAUD_LOSS_ACCOUNT, amount: eur(100) });
    t.equal(await balance(w, FRAUD_LOSS_ACCOUNT), -100, 'the operator bears it');
  });

  withWorld('a purse closed early: denied, its reservation returned once, late payments not settled', async (t, w) => {
    const cafe = await w.terminal('T-1');
    const p = await w.purse('dan', 1_000);
    await w.pay(cafe, p, 300);
    await w.clear(cafe);
    const l = w.bo.ledger;
    const before = await balance(w, 'acct-dan');
    const c = await closePurse(l, { purseId: p.purseId, reason: 'phone lost', actor: 'op', now: w.now() });
    t.match(c, { created: true, purse: { status: 'closed', spent: eur(300), reserved: eur(0), denied: { reason: 'closed: phone lost' }, closure: { reason: 'phone lost', actor: 'op', returned: eur(700) } } });
    t.ok(c.unpublished > 0, 'a new deny list is owed to the fleet');
    t.equal(await balance(w, 'acct-dan'), before + 700);
    t.match(await closePurse(l, { purseId: p.purseId, reason: 'phone lost', actor: 'op', now: w.now() }), { created: false });
    t.equal(await balance(w, 'acct-dan'), before + 700, 'a retry returns nothing more');
    // A terminal that had not heard of it accepted a payment offline: recorded, not settled.
    const late = await w.pay(cafe, p, 100);
    await w.clear(cafe);
    t.match((await lookupTransaction(l, { txId: late.txId })).records[0], { status: 'rejected', reason: /closed/ });
    await t.rejects(undenyPurse(l, { purseId: p.purseId, reason: 'x', actor: 'op', now: w.now() }), { code: 'CONFLICT' }, 'a closed purse stays denied');
    await t.rejects(closePurse(l, { purseId: '0'.repeat(32), reason: 'x', actor: 'op', now: w.now() }), { code: 'NOT_FOUND' });
    // An expired purse is closed already.
    const e = await w.purse('eve', 500);
    await l.expirePurses(w.now() + 40 * 86_400, 0);
    await t.rejects(closePurse(l, { purseId: e.purseId, reason: 'x', actor: 'op', now: w.now() }), { code: 'CONFLICT' });
  });

  withWorld('refunds: merchant to customer, idempotent by id, never above the payment', async (t, w) => {
    const cafe = await w.terminal('T-1');
    await w.terminal('T-2', 'M-BAKERY');
    const p = await w.purse('fay');
    const pay = await w.pay(cafe, p, 450);
    const small = await w.pay(cafe, p, 300);
    await w.clear(cafe);
    const l = w.bo.ledger;
    const m = merchantAccount('M-CAFE');
    const [customer, merchant] = [await balance(w, 'acct-fay'), await balance(w, m)];
    const base = { merchantId: 'M-CAFE', txId: pay.txId, reason: 'returned goods', actor: 'cashier', now: w.now() };
    const r1 = await refundPayment(l, { ...base, amount: 200, refundId: 'r-1' });
    t.match(r1, { created: true, refund: { refundId: 'r-1', txId: pay.txId, amount: eur(200), account: 'acct-fay', source: 'merchant' }, refunded: eur(200), remaining: eur(250) });
    t.match(await refundPayment(l, { ...base, amount: 200, refundId: 'r-1' }), { created: false, refunded: eur(200) }, 'a retry');
    await t.rejects(refundPayment(l, { ...base, amount: 201, refundId: 'r-1' }), { code: 'ALREADY_EXISTS' }, 'the id for another amount');
    await t.rejects(refundPayment(l, { ...base, amount: 300, refundId: 'r-2' }), { code: 'REFUND_EXCEEDS_PAYMENT' });
    t.match(await refundPayment(l, { ...base, amount: 250, refundId: 'r-2', source: 'terminal', terminalId: 'T-1' }), { created: true, remaining: eur(0), refund: { source: 'terminal', terminalId: 'T-1' } });
    await t.rejects(refundPayment(l, { ...base, amount: 1, refundId: 'r-3' }), { code: 'REFUND_EXCEEDS_PAYMENT' });
    t.equal(await balance(w, 'acct-fay'), customer + 450);
    t.equal(await balance(w, m), merchant - 450);
    await t.rejects(refundPayment(l, { ...base, merchantId: 'M-BAKERY', amount: 1, refundId: 'r-4' }), { code: 'NOT_FOUND' }, "another merchant's payment");
    await t.rejects(refundPayment(l, { ...base, txId: small.txId, amount: 1, refundId: 'r-5', source: 'terminal', terminalId: 'T-2' }), { code: 'NOT_FOUND' }, "another merchant's terminal");
    await t.rejects(refundPayment(l, { ...base, txId: small.txId, amount: 0, refundId: 'r-6' }), { code: 'USAGE' });
    // Concurrent refunds of one payment: the total still never exceeds it.
    const racing = await Promise.allSettled(['a', 'b', 'c'].map((id) => refundPayment(l, { ...base, txId: small.txId, amount: 200, refundId: `race-${id}` })));
    t.equal(racing.filter((r) => r.status === 'fulfilled').length, 1);
    t.ok(racing.every((r) => r.status === 'fulfilled' || (r.reason as { code?: string }).code === 'REFUND_EXCEEDS_PAYMENT'));
    const v = await lookupTransaction(l, { txId: pay.txId });
    t.same(v.refunds.map((r) => [r.refundId, r.amount.amount]), [['r-1', 200], ['r-2', 250]]);
    t.same(v.refunded, eur(450));
  });
}
