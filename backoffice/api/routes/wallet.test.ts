// The wallet API over HTTP: customer-only, own account only, proof → purse, idempotent money moves, state, payments, refresh, fleet lists.
import { join } from 'node:path';
import t from 'tap';
import { fromQrText, verifyFleetMessage, verifyTrustList, fromHex, toHex, type TrustStore } from '#protocol';
import { Wallet } from '#wallet';
import { SimulatedTerminal } from '../../sim-terminal.js';
import { startTestApi } from '../testkit/index.js';

interface Err {
  error: { code: string; message: string; requestId: string };
}
interface Purse {
  purseId: string;
  state: string;
  cap: number;
  spent: number;
  reserved: number;
  walletKey: string;
}
interface Issued {
  purse: Purse;
  file: { format: string; purseCert: string; trustList: string; rootPublicKey: string };
  replaces?: string;
}

t.test('a customer onboards a wallet key and manages its purse; nobody else can', async (t) => {
  const api = await startTestApi();
  t.teardown(() => api.close());
  await api.bo.createAccount('acct-ana', 'Ana');
  await api.bo.fund('acct-ana', 10_000);
  await api.bo.createAccount('acct-bo', 'Bo');
  const ana = await api.token({ roles: ['customer'], accountId: 'acct-ana' });
  const bo = await api.token({ roles: ['customer'], accountId: 'acct-bo' });
  const op = await api.token({ roles: ['operator'] });
  const merchant = await api.token({ roles: ['merchant'], merchantId: 'M-CAFE' });
  const noAccount = await api.token({ roles: ['customer'] });
  const wallet = Wallet.create(join(api.bo.paths.home, 'wallet'));

  for (const [who, token, code] of [['operator', op, 403], ['merchant', merchant, 403], ['a customer token naming no account', noAccount, 403], ['nobody', undefined, 401]] as const) {
    const r = await api.call<Err>('POST', '/v1/wallet/challenge', token ? { token } : {});
    t.equal(r.status, code, `${who} gets no challenge`);
  }
  const ch = await api.call<{ challenge: string; expiresAt: number }>('POST', '/v1/wallet/challenge', { token: ana });
  t.equal(ch.status, 201);
  const body = { publicKey: wallet.publicKey, challenge: ch.body.challenge, signature: await wallet.proveKey(ch.body.challenge), cap: 4_000, perPaymentLimit: 1_000 };
  const noKey = await api.call<Err>('POST', '/v1/wallet/purses', { token: ana, body });
  t.equal(noKey.status, 400, 'moving money needs an Idempotency-Key');
  const stolen = await api.call<Err>('POST', '/v1/wallet/purses', { token: bo, body, headers: { 'idempotency-key': 'bo-steals-1' } });
  t.same([stolen.status, stolen.body.error.code], [422, 'CHALLENGE_INVALID'], "another account's challenge buys nothing");
  const forged = await api.call<Err>('POST', '/v1/wallet/purses', { token: ana, body: { ...body, signature: body.signature.replace(/^../, body.signature.startsWith('00') ? '01' : '00') }, headers: { 'idempotency-key': 'ana-forged-1' } });
  t.same([forged.status, forged.body.error.code], [422, 'VERIFICATION_FAILED']);

  const made = await api.call<Issued>('POST', '/v1/wallet/purses', { token: ana, body, headers: { 'idempotency-key': 'ana-onboard-1' } });
  t.equal(made.status, 201, JSON.stringify(made.body));
  t.match(made.body.purse, { state: 'active', cap: 4_000, reserved: 4_000, walletKey: wallet.publicKey });
  const id = made.body.purse.purseId;
  wallet.importPurse(JSON.stringify(made.body.file));
  t.equal((await api.bo.account('acct-ana')).balance, 6_000, 'the cap was reserved from the account');
  const reused = await api.call<Err>('POST', '/v1/wallet/purses', { token: ana, body: { ...body, cap: 1_000 }, headers: { 'idempotency-key': 'ana-onboard-2' } });
  t.same([reused.status, reused.body.error.code], [409, 'CHALLENGE_USED']);

  const shown = await api.call<Purse>('GET', `/v1/wallet/purses/${id}`, { token: ana });
  t.match(shown.body, { purseId: id, state: 'active' });
  const etag = shown.headers.get('etag');
  t.ok(etag);
  t.equal((await api.call('GET', `/v1/wallet/purses/${id}`, { token: ana, headers: { 'if-none-match': etag ?? '' } })).status, 304);
  for (const path of [`/v1/wallet/purses/${id}`, `/v1/wallet/purses/${id}/payments`]) {
    t.equal((await api.call<Err>('GET', path, { token: bo })).status, 404, `${path}: another customer's purse is not found`);
    t.equal((await api.call<Err>('GET', path, { token: op })).status, 403, `${path}: customers only`);
  }
  t.equal((await api.call<Err>('GET', '/v1/wallet/purses/NOT-A-PURSE', { token: ana })).status, 404, 'not a purse id: no such purse');

  // Three payments at a café terminal, cleared: the wallet sees them settled, in order, paged.
  const term = new SimulatedTerminal('T-CAFE', api.bo.trust, () => api.bo.now());
  term.install((await api.bo.issueTerminal(await term.enrolmentRequest(), { mode: 'merchant', merchantId: 'M-CAFE', displayName: 'Café' })).bundle.terminalCert);
  for (const amount of [300, 200, 100]) t.ok((await term.accept((await wallet.payMerchant(await term.requestPayment(amount, 'EUR'))).text)).approved);
  await api.bo.clearing.processBatch('T-CAFE', term.batch());
  const p1 = await api.call<{ items: { seq: number; amount: number; merchantId: string }[]; nextCursor: string | null }>('GET', `/v1/wallet/purses/${id}/payments?limit=2`, { token: ana });
  t.same(p1.body.items.map((p) => [p.seq, p.amount, p.merchantId]), [[1, 300, 'M-CAFE'], [2, 200, 'M-CAFE']]);
  const p2 = await api.call<{ items: { seq: number }[]; nextCursor: string | null }>('GET', `/v1/wallet/purses/${id}/payments?limit=2&cursor=${p1.body.nextCursor ?? ''}`, { token: ana });
  t.same([p2.body.items.map((p) => p.seq), p2.body.nextCursor], [[3], null]);
  t.match((await api.call<Purse>('GET', `/v1/wallet/purses/${id}`, { token: ana })).body, { spent: 600, reserved: 3_400 });

  // Top up: a new purse for the same key; the same Idempotency-Key reserves once.
  const top = await api.call<Issued>('POST', `/v1/wallet/purses/${id}/refresh`, { token: ana, body: { cap: 5_000 }, headers: { 'idempotency-key': 'ana-topup-1' } });
  t.equal(top.status, 201, JSON.stringify(top.body));
  t.match(top.body, { replaces: id, purse: { cap: 5_000, walletKey: wallet.publicKey, state: 'active' } });
  const again = await api.call<Issued>('POST', `/v1/wallet/purses/${id}/refresh`, { token: ana, body: { cap: 5_000 }, headers: { 'idempotency-key': 'ana-topup-1' } });
  t.equal(again.body.purse.purseId, top.body.purse.purseId, 'a retry answers the same purse');
  t.equal((await api.bo.account('acct-ana')).balance, 1_000, 'reserved once');
  t.equal((await api.call<Err>('POST', `/v1/wallet/purses/${id}/refresh`, { token: bo, body: {}, headers: { 'idempotency-key': 'bo-refresh-1' } })).status, 404);
  const short = await api.call<Err>('POST', `/v1/wallet/purses/${id}/refresh`, { token: ana, body: { cap: 50_000 }, headers: { 'idempotency-key': 'ana-topup-2' } });
  t.same([short.status, short.body.error.code], [409, 'INSUFFICIENT_FUNDS']);

  // Return the old purse: only with every payment the wallet signed settled.
  const early = await api.call<Err>('POST', `/v1/wallet/purses/${id}/return`, { token: ana, body: { lastSeq: 4 }, headers: { 'idempotency-key': 'ana-return-0' } });
  t.same([early.status, early.body.error.code], [409, 'PURSE_UNSETTLED']);
  t.match(early.body.error.message, /payments 4 /);
  t.equal((await api.call<Err>('POST', `/v1/wallet/purses/${id}/return`, { token: bo, body: { lastSeq: 3 }, headers: { 'idempotency-key': 'bo-return-1' } })).status, 404);
  const back = await api.call<{ purse: Purse; returned: number }>('POST', `/v1/wallet/purses/${id}/return`, { token: ana, body: { lastSeq: 3 }, headers: { 'idempotency-key': 'ana-return-1' } });
  t.equal(back.status, 200, JSON.stringify(back.body));
  t.match(back.body, { returned: 3_400, purse: { state: 'closed', reserved: 0 } });
  t.equal((await api.bo.account('acct-ana')).balance, 4_400, 'the unspent reservation is back');
  const stale = await api.call<Err>('POST', `/v1/wallet/purses/${id}/refresh`, { token: ana, body: {}, headers: { 'idempotency-key': 'ana-topup-3' } });
  t.same([stale.status, stale.body.error.code], [409, 'PURSE_NOT_ACTIVE']);
});

t.test('the fleet lists are public and verify offline against the root the wallet holds', async (t) => {
  const api = await startTestApi();
  t.teardown(() => api.close());
  const none = await api.call<Err>('GET', '/v1/fleet/denylist');
  t.same([none.status, none.body.error.code], [404, 'NOT_FOUND'], 'no deny list signed yet');
  await api.bo.createAccount('acct-x');
  await api.bo.fund('acct-x', 1_000);
  const p = await api.bo.issuePurse({ account: 'acct-x', walletKey: toHex(fromHex(Wallet.create(join(api.bo.paths.home, 'w')).publicKey)), cap: 500, perPaymentLimit: 500, days: 1 });
  await api.bo.denyPurse(p.purse.purseId);
  const signed = await api.bo.signDenylist();

  const trust = await api.call<{ version: number; text: string }>('GET', '/v1/fleet/trust');
  t.equal(trust.status, 200);
  const tb = fromQrText('TRUST_LIST', trust.body.text);
  const tl = tb.ok ? verifyTrustList(tb.value, { rootPublicKey: fromHex(api.bo.rootPublicKey) }) : tb;
  t.ok(tl.ok, 'the trust list verifies against the root key');
  const deny = await api.call<{ version: number; bytes: string }>('GET', '/v1/fleet/denylist');
  t.equal(deny.body.version, signed.version);
  const v = verifyFleetMessage(fromHex(deny.body.bytes), { trust: api.bo.trust as TrustStore, now: api.bo.now(), terminalId: 'any', appliedVersion: 0 });
  t.ok(v.ok && v.value.value.denylist?.some((x) => toHex(x) === p.purse.purseId), 'the signed deny list names the denied purse');
});
