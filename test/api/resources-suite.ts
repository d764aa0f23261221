// The operator and merchant resources through HTTP on one ledger backend: each answer is what the shared operations say, scoped to the caller.
import type { Test } from 'tap';
import { KeySigner, toHex } from '#protocol';
import { startTestApi, type TestApi } from '../../backoffice/api/testkit/index.js';
import type { LedgerBackend } from '../support/postgres.js';
import { opsWorld, type OpsWorld } from '../ops/ops-world.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
}
interface Err {
  error: { code: string };
}

export function resourcesSuite(t: Test, backend: LedgerBackend): void {
  t.test('operator and merchant resources', async (t) => {
    const w: OpsWorld = await opsWorld(await backend.db());
    t.teardown(() => w.close());
    const api: TestApi = await startTestApi({ backOffice: w.bo });
    t.teardown(() => api.close());

    // A café (T-1) and a bakery (T-2); Ana pays the café; Cleo's cloned purse pays both with one sequence.
    const cafe = await w.terminal('T-1', 'M-CAFE');
    const bakery = await w.terminal('T-2', 'M-BAKERY');
    const ana = await w.purse('ana', 1_000);
    const cleo = await w.purse('cleo', 1_000);
    const paid = await w.pay(cafe, ana, 300);
    const first = await w.pay(cafe, cleo, 500);
    const second = await w.pay(bakery, cleo, 500, { again: true });
    await w.clear(cafe);
    await w.clear(bakery);

    const op = await api.token({ roles: ['operator'], sub: 'olivia' });
    const cafeTok = await api.token({ roles: ['merchant'], merchantId: 'M-CAFE', sub: 'cafe-owner' });
    const bakeryTok = await api.token({ roles: ['merchant'], merchantId: 'M-BAKERY' });
    const anaTok = await api.token({ roles: ['customer'], accountId: 'acct-ana' });
    const get = <T = Page>(path: string, token: string) => api.call<T>('GET', path, { token });
    const post = <T = Record<string, unknown>>(path: string, token: string, body: unknown, key?: string) => api.call<T>('POST', path, { token, body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

    // Overview and metrics.
    t.match((await get('/v1/overview', op)).body, { terminals: 2, lastDay: { settlements: 2, amount: eur(800) }, fraud: { open: 1, openAmount: eur(500), resolved: 0 }, denylist: { size: 1 } });
    const metrics = await api.call<string>('GET', '/metrics');
    t.match(metrics.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    t.match(metrics.body, /^tessera_settlements_total 2$/m);
    t.match(metrics.body, /^tessera_fraud_cases\{status="open"\} 1$/m);
    t.match(metrics.body, /^tessera_clearing_lag_seconds \d+$/m);

    // Transactions: the operator searches everything; a merchant only their own.
    t.equal((await get('/v1/transactions', op)).body.items.length, 3);
    t.equal((await get('/v1/transactions?merchant=M-CAFE', op)).body.items.length, 2);
    t.same((await get(`/v1/transactions?purse=${ana.purseId}`, op)).body.items.map((x) => x.txId), [paid.txId]);
    t.same((await get('/v1/transactions?status=fraud', op)).body.items.map((x) => x.txId), [second.txId]);
    t.equal((await get(`/v1/transactions?from=${w.now() + 1}`, op)).body.items.length, 0, 'the time range filters');
    const mine = await get('/v1/transactions', cafeTok);
    t.same(new Set(mine.body.items.map((x) => x.txId)), new Set([paid.txId, first.txId]), 'the café sees its own two');
    t.equal((await get('/v1/transactions?merchant=M-BAKERY', cafeTok)).status, 403);
    const page1 = await get('/v1/transactions?limit=2', op);
    const page2 = await get(`/v1/transactions?limit=2&cursor=${page1.body.nextCursor ?? ''}`, op);
    t.equal(page2.body.items.length, 1, 'cursor paging');
    t.equal(page2.body.nextCursor, null);
    const one = await get<Record<string, unknown>>(`/v1/transactions/${paid.txId}`, cafeTok);
    t.match(one.body, { txId: paid.txId, merchantId: 'M-CAFE', settlement: { purseId: ana.purseId, amount: eur(300) }, sealed: null });
    t.equal((await get<Err>(`/v1/transactions/${paid.txId}`, bakeryTok)).status, 404, "another merchant's transaction does not exist for them");
    t.same((await get('/v1/transactions', anaTok)).body.items.map((x) => x.txId), [paid.txId], 'a customer sees the payments of their purses');
    t.equal((await get(`/v1/transactions/${first.txId}`, anaTok)).status, 404, "and not another customer's");
    t.equal((await get('/v1/transactions?account=acct-cleo', anaTok)).status, 403);
    t.equal((await get('/v1/transactions?account=acct-ana', cafeTok)).status, 403, 'a merchant cannot filter by account');

    // Terminals.
    t.same((await get('/v1/terminals', cafeTok)).body.items.map((x) => x.terminalId), ['T-1']);
    t.same(new Set((await get('/v1/terminals', op)).body.items.map((x) => x.terminalId)), new Set(['T-1', 'T-2']));
    t.match((await get<Record<string, unknown>>('/v1/terminals/T-1', cafeTok)).body, { terminalId: 'T-1', merchantId: 'M-CAFE', settled: { count: 2, amount: eur(800) }, health: null });
    t.equal((await get('/v1/terminals/T-2', cafeTok)).status, 404);

    // Fraud cases: evidence, then one resolution whatever the retries.
    const cases = await get('/v1/fraud-cases?status=open', op);
    t.equal(cases.body.items.length, 1);
    const caseId = cases.body.items[0]?.id as number;
    t.match((await get<Record<string, unknown>>(`/v1/fraud-cases/${caseId}`, bakeryTok)).body, { id: caseId, merchantId: 'M-BAKERY', evidence: { first: { seq: 1, payee: 'T-1' }, second: { seq: 1, payee: 'T-2' } } });
    t.equal((await get('/v1/fraud-cases', cafeTok)).body.items.length, 0, 'the café has no case');
    t.equal((await post<Err>(`/v1/purses/${cleo.purseId}/undeny`, op, { reason: 'x' })).status, 409, 'not while its case is open');
    const resolve = { outcome: 'pay-merchant', reason: 'customer could not be reached' };
    const r1 = await post<Record<string, unknown>>(`/v1/fraud-cases/${caseId}/resolve`, op, resolve, 'resolve-0001');
    t.equal(r1.status, 200);
    t.match(r1.body, { created: true, case: { status: 'resolved', resolution: { outcome: 'pay-merchant', actor: 'olivia', amount: eur(500) } } });
    const r2 = await post(`/v1/fraud-cases/${caseId}/resolve`, op, resolve, 'resolve-0001');
    t.same(r2.body, r1.body, 'a retry with the key gets the first answer');
    t.equal(r2.headers.get('idempotent-replayed'), 'true');
    t.equal((await post<Err>(`/v1/fraud-cases/${caseId}/resolve`, op, { ...resolve, outcome: 'charge-back' }, 'resolve-0001')).body.error.code, 'API_IDEMPOTENCY_MISMATCH');
    t.match((await post(`/v1/fraud-cases/${caseId}/resolve`, op, resolve, 'resolve-0002')).body, { created: false }, 'another key: the ledger still moves nothing twice');
    t.equal((await post<Err>(`/v1/fraud-cases/${caseId}/resolve`, op, resolve)).status, 400, 'no Idempotency-Key: refused');

    // Refunds: by the merchant, idempotent by key, never above the payment.
    const refund = await post<Record<string, unknown>>('/v1/merchants/M-CAFE/refunds', cafeTok, { txId: paid.txId, amount: 100, reason: 'cold coffee' }, 'refund-0001');
    t.equal(refund.status, 201);
    t.match(refund.body, { created: true, refund: { refundId: 'refund-0001', account: 'acct-ana', amount: eur(100), actor: 'cafe-owner' }, remaining: eur(200) });
    t.same((await post('/v1/merchants/M-CAFE/refunds', cafeTok, { txId: paid.txId, amount: 100, reason: 'cold coffee' }, 'refund-0001')).body, refund.body);
    t.equal((await post<Err>('/v1/merchants/M-CAFE/refunds', cafeTok, { txId: paid.txId, amount: 201, reason: 'too much' }, 'refund-0002')).body.error.code, 'REFUND_EXCEEDS_PAYMENT');
    t.equal((await post<Err>('/v1/merchants/M-BAKERY/refunds', cafeTok, { txId: paid.txId, amount: 1, reason: 'x' }, 'refund-0003')).status, 403);

    // Statements and payouts.
    const day = new Date(w.now() * 1000).toISOString().slice(0, 10);
    t.match((await get<Record<string, unknown>>(`/v1/merchants/M-CAFE/statements?date=${day}`, cafeTok)).body, { merchantId: 'M-CAFE', payments: { count: 2, amount: eur(800) }, refunds: { count: 1, amount: eur(100) }, net: eur(700) });
    t.match((await get<Record<string, unknown>>(`/v1/merchants/M-CAFE/statements?date=${day}&terminal=T-1`, cafeTok)).body, { terminalId: 'T-1', payments: { count: 2 } });
    t.equal((await get(`/v1/merchants/M-CAFE/statements?date=${day}&terminal=T-2`, cafeTok)).status, 404);
    t.match((await get<Record<string, unknown>>('/v1/merchants/M-CAFE/payouts', cafeTok)).body, { merchantId: 'M-CAFE', due: eur(700), settled: { count: 2, amount: eur(800) } });
    t.equal((await get('/v1/merchants/M-CAFE/payouts', bakeryTok)).status, 403);
    const payouts = await get<Page & { due: unknown }>('/v1/merchants/M-CAFE/payouts', cafeTok);
    t.match(payouts.body, { due: eur(700), items: [{ date: day, payments: { count: 2, amount: eur(800) }, refunds: { count: 1, amount: eur(100) }, net: eur(700) }], nextCursor: null }, "the day's payout");
    t.same((await get(`/v1/merchants/M-CAFE/payouts?from=${w.now() + 1}`, op)).body.items, [], 'an operator filters any merchant\'s payouts');
    t.equal((await get<Err>('/v1/merchants/M-CAFE/payouts?limit=0', cafeTok)).status, 400);
    // The refunds list: the merchant's own, newest first; filters; refused to another merchant.
    t.match((await get('/v1/merchants/M-CAFE/refunds', cafeTok)).body, { items: [{ refundId: 'refund-0001', txId: paid.txId, amount: eur(100), source: 'merchant', reason: 'cold coffee' }], nextCursor: null });
    t.equal((await get(`/v1/merchants/M-CAFE/refunds?txId=${paid.txId}&source=merchant`, op)).body.items.length, 1, 'the operator sees any merchant\'s, filtered');
    t.equal((await get('/v1/merchants/M-CAFE/refunds?source=terminal', op)).body.items.length, 0);
    t.equal((await get('/v1/merchants/M-BAKERY/refunds', op)).body.items.length, 0);
    t.equal((await get('/v1/merchants/M-CAFE/refunds', bakeryTok)).status, 403, "another merchant's refunds are refused");
    t.equal((await get<Err>('/v1/merchants/M-CAFE/refunds?source=bank', cafeTok)).status, 400);
    t.equal((await get<Err>('/v1/merchants/M-CAFE/refunds?cursor=bogus', cafeTok)).body.error.code, 'USAGE');

    // Purses: the customer sees their own; the operator closes one early and manages the deny list.
    t.same((await get('/v1/purses', anaTok)).body.items.map((x) => x.purseId), [ana.purseId]);
    t.match((await get<Record<string, unknown>>(`/v1/purses/${ana.purseId}`, anaTok)).body, { purse: { purseId: ana.purseId, spent: eur(300) }, payments: { items: [{ txId: paid.txId, amount: eur(300) }] } });
    t.equal((await get(`/v1/purses/${cleo.purseId}`, anaTok)).status, 404);
    t.equal((await get('/v1/purses?account=acct-cleo', anaTok)).status, 403);
    const close = await post<Record<string, unknown>>(`/v1/purses/${ana.purseId}/close`, op, { reason: 'lost phone' }, 'close-ana-1');
    t.match(close.body, { created: true, purse: { status: 'closed', closure: { returned: eur(700), actor: 'olivia' } } });
    t.match((await get<Record<string, unknown>>('/v1/denylist', op)).body, { items: [{ purseId: ana.purseId }, { purseId: cleo.purseId }].sort((a, b) => (a.purseId < b.purseId ? -1 : 1)) });
    t.match((await post(`/v1/purses/${cleo.purseId}/undeny`, op, { reason: 'case settled' })).body, { purseId: cleo.purseId, removed: true });
    t.match((await post(`/v1/purses/${cleo.purseId}/deny`, op, { reason: 'again' })).body, { purseId: cleo.purseId, added: true });

    // Accounts (the statement's lines add up to the balance), fleet.
    const statement = await get<{ balance: { amount: number }; postings: Page }>('/v1/accounts/acct-ana/statement', anaTok);
    t.equal(statement.status, 200);
    t.equal(statement.body.postings.items.reduce((sum, l) => sum + (l.amount as { amount: number }).amount, 0), statement.body.balance.amount, 'the statement lines sum to the balance');
    t.ok(statement.body.postings.items.length >= 4, 'funding, reservation, refund, return');
    t.equal((await get('/v1/accounts/acct-cleo/statement', anaTok)).status, 403);
    t.match((await get<Record<string, unknown>>('/v1/accounts/acct-ana', anaTok)).body, { id: 'acct-ana', balance: 5_000 - 300 + 1_000 + 100 });
    t.match((await api.call('GET', '/v1/fleet/trust')).body, { version: 1, text: /^TL1:/ });
    t.equal((await api.call<Err>('POST', '/v1/fleet/denylist', { token: op })).body.error.code, 'BROKER_UNREACHABLE');
    t.equal((await get('/v1/incidents', op)).body.items.length, 0);

    // Issuing a purse through the API: reserved once, whatever the retries.
    const walletKey = toHex(KeySigner.generate().publicKey);
    const issue = { account: 'acct-ana', walletKey, cap: 500, perPaymentLimit: 200, days: 10 };
    const before = (await w.bo.account('acct-ana')).balance;
    const issued = await post<{ purse: { purseId: string; cap: number; walletKey: string }; file: { format: string } }>('/v1/purses', op, issue, 'issue-ana-0001');
    t.equal(issued.status, 201);
    t.match(issued.body, { purse: { cap: 500, walletKey, account: 'acct-ana' }, file: { format: 'tessera-purse/1' } });
    t.same((await post('/v1/purses', op, issue, 'issue-ana-0001')).body, issued.body, 'the retry gets the same purse');
    t.equal((await w.bo.account('acct-ana')).balance, before - 500, 'the cap was reserved once');
    t.equal((await post<Err>('/v1/purses', op, { ...issue, cap: 5_000_000 }, 'issue-ana-0002')).body.error.code, 'INSUFFICIENT_FUNDS');

    t.match(await w.bo.ledger.audit(), { ok: true, problems: [] }, 'the ledger audits clean after all of it');
  });
}
