// Trust lists: root-signed only, no rollback, kid consistency; the store's lookups and signature cache.
import t from 'tap';
import { createTestWorld, DAY } from './testkit.js';
import { signObject } from './codec.js';
import { verifyTrustList, TrustStore } from './trust.js';
import { ROLE } from './objects.js';
import { NodeBackend } from './crypto/index.js';
import { verifyPurseCert, verifyPayment } from './verify.js';

t.test('a root-signed list verifies; another signer is UNKNOWN_KEY; an older version is ROLLBACK', async (t) => {
  const w = await createTestWorld({ seed: 'trust' });
  const ok = verifyTrustList(w.trustBytes, { rootPublicKey: w.root.publicKey });
  t.ok(ok.ok);
  if (ok.ok) t.equal(ok.value.value.version, 1);
  const byIssuer = await signObject('TRUST_LIST', { ...w.trustList, version: 2 }, w.issuer);
  const r = verifyTrustList(byIssuer, { rootPublicKey: w.root.publicKey });
  t.equal(r.ok ? 'ok' : r.reason, 'UNKNOWN_KEY');
  const v2 = await signObject('TRUST_LIST', { ...w.trustList, version: 2 }, w.root);
  t.ok(verifyTrustList(v2, { rootPublicKey: w.root.publicKey, appliedVersion: 1 }).ok, 'version 2 over 1');
  for (const applied of [2, 3]) {
    const rb = verifyTrustList(v2, { rootPublicKey: w.root.publicKey, appliedVersion: applied });
    t.equal(rb.ok ? 'ok' : rb.reason, 'ROLLBACK', `version 2 over ${applied}`);
  }
  const wrongKid = await signObject('TRUST_LIST', { ...w.trustList, version: 3, keys: [{ ...w.trustList.keys[0]!, kid: w.root.kid }] }, w.root);
  const m = verifyTrustList(wrongKid, { rootPublicKey: w.root.publicKey });
  t.equal(m.ok ? 'ok' : m.reason, 'MALFORMED', 'a key whose kid is not its own');
});

t.test('keysFor filters by role; sealedKey honours validity', async (t) => {
  const w = await createTestWorld({ seed: 'trust' });
  t.equal(w.trust.keysFor(w.issuer.kid, 'PURSES').length, 1);
  t.equal(w.trust.keysFor(w.issuer.kid, 'SEALED').length, 0);
  t.equal(w.trust.keysFor(w.sealedKey.kid, 'SEALED').length, 1);
  t.equal(w.trust.keysFor(new Uint8Array(8), 'PURSES').length, 0);
  t.equal(w.trust.sealedKey(w.now)?.name, 'sealed');
  t.equal(w.trust.sealedKey(w.now + 400 * DAY), undefined);
  t.equal(w.trust.version, 1);
  t.equal(ROLE.SEALED, 8);
});

t.test('the issuer-signature cache keeps the validity checks live and never caches failures', async (t) => {
  const backend = new NodeBackend();
  const w = await createTestWorld({ seed: 'trust', backend });
  const trust = new TrustStore(w.trustList, backend);
  const purse = await w.purse();
  t.ok(verifyPurseCert(purse.bytes, { trust, now: w.now }).ok, 'first check');
  const again = verifyPurseCert(purse.bytes, { trust, now: w.now + 100 * DAY });
  t.equal(again.ok ? 'ok' : again.reason, 'CERT_EXPIRED', 'a cached certificate still expires');
  const early = verifyPurseCert(purse.bytes, { trust, now: w.now - 2 * DAY });
  t.equal(early.ok ? 'ok' : early.reason, 'CERT_NOT_YET_VALID');
  // A forged signature over the same payload is not a cache hit (the key is the exact bytes).
  const forged = Uint8Array.from(purse.bytes);
  forged[forged.length - 5] = (forged[forged.length - 5] as number) ^ 1;
  for (let i = 0; i < 2; i++) {
    const f = verifyPurseCert(forged, { trust, now: w.now });
    t.equal(f.ok ? 'ok' : f.reason, 'BAD_SIGNATURE', `forged certificate, try ${i + 1}`);
  }
  // A payment's own signature is always checked, even when its certificate is cached.
  const pay = await w.payment(purse, {});
  const ctx = { trust, now: w.now, terminal: { id: 'T-0001', mode: 'merchant' as const, operatorId: 'M' }, request: { nonce: pay.payment.requestNonce!, amount: 450, currency: 'EUR', expiresAt: w.now + 60 } };
  t.ok(verifyPayment(pay.bytes, ctx).ok);
  const bad = Uint8Array.from(pay.bytes);
  bad[bad.length - 40] = (bad[bad.length - 40] as number) ^ 1;
  const r = verifyPayment(bad, ctx);
  t.equal(r.ok ? 'ok' : r.reason, 'BAD_SIGNATURE');
  // Bounded: a tiny cache still works.
  const small = new TrustStore(w.trustList, backend, { issuedCacheSize: 1 });
  const p2 = await w.purse();
  for (const b of [purse.bytes, p2.bytes, purse.bytes]) t.ok(verifyPurseCert(b, { trust: small, now: w.now }).ok);
});
