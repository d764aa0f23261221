// Wallet service on both ledgers: key proof over a challenge, purse issuance and its reservation, single use, state, payments, refresh.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ManualClock } from '#common';
import { KeySigner, P256_N, bigintTo32, fromHex, toHex, utf8, verifyPurseCert, walletProofMessage } from '#protocol';
import { Wallet } from '#wallet';
import { ledgerBackends } from '../../test/support/postgres.js';
import { BackOffice } from '../backoffice.js';
import { SimulatedTerminal } from '../sim-terminal.js';
import { WalletService } from './service.js';

const START = Date.UTC(2026, 5, 1);

async function setup(t: Test, db: string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-wapi-'));
  const clock = new ManualClock(START);
  const bo = await BackOffice.init(join(dir, 'bo'), { clock, ...(db ? { db } : {}) });
  t.teardown(async () => {
    await bo.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await bo.createAccount('alice', 'Alice');
  await bo.fund('alice', 10_000);
  await bo.createAccount('bob', 'Bob');
  await bo.fund('bob', 10_000);
  const wallet = Wallet.create(join(dir, 'wallet'), { clock });
  return { dir, clock, bo, svc: new WalletService(bo), wallet };
}

/** Alice's wallet with a 3,000 purse (limit 1,000) onboarded through the service, and a café terminal. */
async function withPurse(t: Test, db: string | undefined) {
  const w = await setup(t, db);
  const { challenge } = await w.svc.challenge('alice');
  const r = await w.svc.register('alice', { publicKey: w.wallet.publicKey, challenge, signature: await w.wallet.proveKey(challenge), cap: 3_000, perPaymentLimit: 1_000 });
  w.wallet.importPurse(JSON.stringify(r.file));
  const term = new SimulatedTerminal('T-CAFE', w.bo.trust, () => w.bo.now());
  term.install((await w.bo.issueTerminal(await term.enrolmentRequest(), { mode: 'merchant', merchantId: 'M-CAFE', displayName: 'Café' })).bundle.terminalCert);
  return { ...w, id: r.purse.purseId, term };
}

/** High-S twin of a low-S signature: valid ECDSA, refused as non-canonical. */
function highS(sig: Uint8Array): Uint8Array {
  const s = BigInt('0x' + toHex(sig.subarray(32)));
  const out = new Uint8Array(64);
  out.set(sig.subarray(0, 32));
  out.set(bigintTo32(P256_N - s), 32);
  return out;
}

for (const backend of ledgerBackends(t)) {
  t.test(`${backend.name}: a proven key gets a purse bound to it, reserved from the account, once per challenge`, async (t) => {
    const { bo, svc, wallet, clock } = await setup(t, await backend.db());
    const { challenge, expiresAt } = await svc.challenge('alice');
    t.equal(expiresAt, Math.floor(START / 1000) + 300, 'short-lived');
    const req = { publicKey: wallet.publicKey, challenge, signature: await wallet.proveKey(challenge), cap: 3_000, perPaymentLimit: 1_000 };
    const r = await svc.register('alice', req);
    t.equal(r.replayed, false);
    t.match(r.purse, { state: 'active', cap: 3_000, perPaymentLimit: 1_000, spent: 0, reserved: 3_000, walletKey: wallet.publicKey });
    t.equal((await bo.account('alice')).balance, 7_000, 'the cap left the account');
    const v = verifyPurseCert(r.purse.purseCert, { trust: bo.trust, now: bo.now() });
    t.ok(v.ok && toHex(v.value.value.walletKey) === wallet.publicKey, 'the certificate binds the proven key');
    t.equal(wallet.importPurse(JSON.stringify(r.file)).purseId, r.purse.purseId, 'the reference wallet imports the purse file');

    const again = await svc.register('alice', req);
    t.same([again.replayed, again.purse.purseId], [true, r.purse.purseId], 'a retry answers the same purse');
    t.equal((await bo.account('alice')).balance, 7_000, 'a retry reserves nothing more');
    await t.rejects(svc.register('alice', { ...req, cap: 2_000 }), { code: 'CHALLENGE_USED' }, 'the challenge buys one purse only');
    await t.rejects(svc.register('alice', { ...req, days: 7 }), { code: 'CHALLENGE_USED' }, 'another validity is another request too');
    t.equal((await bo.ledger.listPurses()).length, 1, 'one purse issued under the challenge');

    const other = await svc.challenge('bob');
    await t.rejects(svc.register('alice', { ...req, challenge: other.challenge, signature: await wallet.proveKey(other.challenge) }), { code: 'CHALLENGE_INVALID' }, "another account's challenge");
    const tampered = other.challenge.slice(0, 10) + (other.challenge[10] === 'A' ? 'B' : 'A') + other.challenge.slice(11);
    await t.rejects(svc.register('bob', { ...req, challenge: tampered, signature: await wallet.proveKey(tampered) }), { code: 'CHALLENGE_INVALID' }, 'an altered challenge');
    await t.rejects(svc.register('bob', { ...req, challenge: 'not a challenge!' }), { code: 'CHALLENGE_INVALID' });
    clock.advance(301_000);
    await t.rejects(svc.register('bob', { ...req, challenge: other.challenge, signature: await wallet.proveKey(other.challenge) }), { code: 'CHALLENGE_EXPIRED' });
    t.equal((await bo.account('bob')).balance, 10_000, 'nothing reserved by a refusal');
  });

  t.test(`${backend.name}: the proof must be a canonical signature by the key registered, over the challenge in context`, async (t) => {
    const { bo, svc, wallet } = await setup(t, await backend.db());
    const { challenge } = await svc.challenge('alice');
    const good = fromHex(await wallet.proveKey(challenge));
    const base = { publicKey: wallet.publicKey, challenge, cap: 1_000 };
    await t.rejects(svc.register('alice', { ...base, signature: toHex(highS(good)) }), { code: 'VERIFICATION_FAILED', message: /NOT_CANONICAL/ }, 'high-S refused');
    const stranger = KeySigner.generate();
    await t.rejects(svc.register('alice', { ...base, signature: toHex(await stranger.sign(walletProofMessage(utf8(challenge)))) }), { code: 'VERIFICATION_FAILED', message: /BAD_SIGNATURE/ }, "another key's signature");
    await t.rejects(svc.register('alice', { ...base, signature: await wallet.proveKey('other text') }), { code: 'VERIFICATION_FAILED' }, 'a signature over something else');
    // A bare signature over the challenge bytes (no context) is not a proof: the context keeps proofs apart from every other signed object.
    const bare = KeySigner.generate();
    await t.rejects(svc.register('alice', { ...base, publicKey: toHex(bare.publicKey), signature: toHex(await bare.sign(utf8(challenge))) }), { code: 'VERIFICATION_FAILED' }, 'no context, no proof');
    await t.rejects(svc.register('alice', { ...base, publicKey: '05' + '11'.repeat(32), signature: toHex(good) }), { code: 'VERIFICATION_FAILED', message: /BAD_KEY/ }, 'not a point');
    await t.rejects(svc.register('alice', { ...base, signature: 'zz' }), { code: 'USAGE' });
    await t.rejects(svc.register('alice', { ...base, signature: toHex(good), cap: 20_000 }), { code: 'INSUFFICIENT_FUNDS' }, 'the account must cover the cap');
    t.equal((await bo.account('alice')).balance, 10_000, 'nothing reserved');
    await t.rejects(svc.challenge('nobody'), { code: 'NOT_FOUND' });
  });

  t.test(`${backend.name}: state, settled payments (paged), refresh and ownership`, async (t) => {
    const { bo, svc, wallet, clock, id, term } = await withPurse(t, await backend.db());
    for (const amount of [100, 250, 400]) t.ok((await term.accept((await wallet.payMerchant(await term.requestPayment(amount, 'EUR'))).text)).approved);
    await bo.clearing.processBatch('T-CAFE', term.batch());

    t.match(await svc.purse('alice', id), { state: 'active', spent: 750, reserved: 2_250 });
    const p1 = await svc.payments('alice', id, { limit: 2 });
    t.same(p1.items.map((p) => [p.seq, p.amount, p.merchantId]), [[1, 100, 'M-CAFE'], [2, 250, 'M-CAFE']]);
    const p2 = await svc.payments('alice', id, { limit: 2, cursor: p1.nextCursor ?? undefined });
    t.same([p2.items.map((p) => p.seq), p2.nextCursor], [[3], null], 'the last page ends the list');
    await t.rejects(svc.payments('alice', id, { cursor: 'x' }), { code: 'USAGE' });
    await t.rejects(svc.purse('bob', id), { code: 'NOT_FOUND' }, "another account's purse is not found");
    await t.rejects(svc.payments('bob', id), { code: 'NOT_FOUND' });
    await t.rejects(svc.refresh('bob', id), { code: 'NOT_FOUND' });

    const before = (await bo.account('alice')).balance;
    const top = await svc.refresh('alice', id, { cap: 5_000, idempotencyKey: 'k1' });
    t.match(top, { replaces: id, replayed: false, purse: { state: 'active', cap: 5_000, perPaymentLimit: 1_000, walletKey: wallet.publicKey } });
    t.not(top.purse.purseId, id, 'a new purse');
    t.equal((await bo.account('alice')).balance, before - 5_000, 'the new cap is reserved');
    const again = await svc.refresh('alice', id, { cap: 5_000, idempotencyKey: 'k1' });
    t.same([again.replayed, again.purse.purseId], [true, top.purse.purseId], 'same Idempotency-Key, same purse');
    await t.rejects(svc.refresh('alice', id, { cap: 1_000, idempotencyKey: 'k1' }), { code: 'API_IDEMPOTENCY_MISMATCH' });
    t.equal((await bo.account('alice')).balance, before - 5_000, 'reserved once');
    t.match(await svc.purse('alice', id), { state: 'active', reserved: 2_250 }, 'the old purse still settles what it paid');

    await bo.denyPurse(id);
    t.equal((await svc.purse('alice', id)).state, 'denied');
    await t.rejects(svc.refresh('alice', id), { code: 'PURSE_NOT_ACTIVE' }, 'a denied purse is not refreshed');
    clock.advance(31 * 86_400_000);
    t.equal((await svc.purse('alice', top.purse.purseId)).state, 'expired');
    await t.rejects(svc.refresh('alice', top.purse.purseId), { code: 'PURSE_NOT_ACTIVE' }, 'an expired purse needs a new proof');
    await bo.settleExpired(0);
    t.match(await svc.purse('alice', top.purse.purseId), { state: 'closed', reserved: 0 });
  });
}

for (const backend of ledgerBackends(t)) {
  t.test(`${backend.name}: a purse returns only once every payment the wallet signed is settled`, async (t) => {
    const { bo, svc, wallet, id, term } = await withPurse(t, await backend.db());
    t.ok((await term.accept((await wallet.payMerchant(await term.requestPayment(400, 'EUR'))).text)).approved);
    await bo.clearing.processBatch('T-CAFE', term.batch());
    // A second payment signed and still on its way (never cleared).
    const onItsWay = await wallet.payMerchant(await term.requestPayment(300, 'EUR'));
    t.equal(onItsWay.seq, 2);

    await t.rejects(svc.returnPurse('alice', id, { lastSeq: 2 }), { code: 'PURSE_UNSETTLED', details: { missing: [2] } }, 'a payment still on its way keeps the purse open');
    await t.rejects(svc.returnPurse('alice', id, { lastSeq: 0 }), { code: 'USAGE', message: /payment 1 .* settled/ }, 'a wallet cannot claim less than it spent');
    await t.rejects(svc.returnPurse('bob', id, { lastSeq: 1 }), { code: 'NOT_FOUND' });
    t.equal((await svc.purse('alice', id)).state, 'active', 'refusals change nothing');

    const balance = (await bo.account('alice')).balance;
    const done = await svc.returnPurse('alice', id, { lastSeq: 1 });
    t.match(done, { returned: 2_600, purse: { state: 'closed', spent: 400, reserved: 0 } });
    t.equal((await bo.account('alice')).balance, balance + 2_600, 'the unspent reservation is back on the account');
    t.ok((await bo.ledger.denyList()).purseIds.includes(id), 'denied, so terminals refuse it from the next list');
    t.match(await svc.returnPurse('alice', id, { lastSeq: 1 }), { returned: 0, purse: { state: 'closed' } }, 'a retry answers the same closure');
    t.equal((await bo.account('alice')).balance, balance + 2_600, 'returned once');
    await t.rejects(svc.refresh('alice', id), { code: 'PURSE_NOT_ACTIVE' });
    t.ok((await bo.ledger.audit()).ok, 'the ledger balances');
  });
}

for (const backend of ledgerBackends(t)) {
  t.test(`${backend.name}: API processes of one back office share challenges, and single use holds across them`, async (t) => {
    const db = await backend.db();
    const { bo, svc, wallet, clock } = await setup(t, db);
    // A second process: its own BackOffice on the same home (keys, challenge key) and ledger.
    const other = await BackOffice.open(bo.paths.home, { clock, ...(db ? { db } : {}) });
    t.teardown(() => other.close());
    const svc2 = new WalletService(other);
    const { challenge } = await svc.challenge('alice');
    const req = { publicKey: wallet.publicKey, challenge, signature: await wallet.proveKey(challenge), cap: 1_000 };
    const [a, b] = await Promise.allSettled([svc2.register('alice', req), svc.register('alice', { ...req, cap: 2_000 })]);
    const won = [a, b].filter((r) => r.status === 'fulfilled');
    const lost = [a, b].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    t.equal(won.length, 1, 'one purse per challenge, whichever process answers first');
    t.match(lost[0]?.reason, { code: 'CHALLENGE_USED' });
    const cap = a.status === 'fulfilled' ? 1_000 : 2_000;
    t.equal((await bo.account('alice')).balance, 10_000 - cap, 'reserved once');
    t.same((await svc2.register('alice', { ...req, cap })).replayed, true, 'the other process answers a retry with the same purse');
  });
}
