// Trust lifecycle in the back office: root key offline, offline signing, install, issuer rotation with overlap and retirement.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ManualClock, type Logger } from '#common';
import { ROLE, createKeyFile, decodeObject, fromQrText, loadKeyFile, signObject, toHex, toQrText, verifyPurseCert } from '#protocol';
import { Wallet } from '#wallet';
import { BackOffice } from './backoffice.js';
import { installTrustList, pendingIssuerKeys, createIssuerKey } from './trust-admin.js';
import { parseRoles, roleNames, signNextTrustList } from './trust-ceremony.js';

const DAY_MS = 86_400_000;

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-trust-'));
  const clock = new ManualClock(Date.UTC(2027, 0, 1));
  const bo = await BackOffice.init(join(dir, 'bo'), { clock });
  // What an operator does after init: the offline directory leaves the machine.
  const vault = join(dir, 'vault');
  renameSync(bo.paths.offlineDir, vault);
  t.teardown(async () => {
    await bo.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const root = loadKeyFile(join(vault, 'root.key'));
  return { dir, clock, bo, vault, root };
}

const kidOf = (kind: 'PURSE_CERT' | 'TERMINAL_CERT', text: string): string => {
  const b = fromQrText(kind, text);
  const d = b.ok ? decodeObject(kind, b.value) : b;
  if (!d.ok) throw new Error(d.detail);
  return toHex(d.value.sign1.kid);
};

t.test('init puts the root key in offline/ with a README; the back office runs without it', async (t) => {
  const { dir, clock, bo, vault, root } = await setup(t);
  t.ok(existsSync(join(vault, 'README.txt')) && /MUST LEAVE THIS MACHINE/.test(readFileSync(join(vault, 'README.txt'), 'utf8')), 'the README says what to do');
  t.equal(toHex(root.publicKey), bo.rootPublicKey);
  t.notOk(existsSync(bo.paths.rootKey), 'no root key left in the home');
  await bo.close();
  const again = await BackOffice.open(join(dir, 'bo'), { clock });
  t.teardown(() => again.close());
  await again.createAccount('alice');
  await again.fund('alice', 5_000);
  const w = Wallet.create(join(dir, 'w'), { clock });
  const p = await again.issuePurse({ account: 'alice', walletKey: w.publicKey, cap: 1_000, perPaymentLimit: 500, days: 30 });
  t.equal(kidOf('PURSE_CERT', p.file.purseCert), toHex(again.issuer.kid), 'issues purses');
  const d = await again.signDenylist();
  t.ok(d.version >= 1, 'signs deny lists');
  const next = await signNextTrustList(root, readFileSync(again.paths.trustList, 'utf8'), {}, again.now() + 60);
  const r = await installTrustList(again, next.text);
  t.match(r, { previousVersion: 1, list: { version: 2 }, added: [], retired: [] }, 'installs a renewal signed elsewhere');
});

t.test('offline signing: version + 1, issued now, every key carried over generically; refusals', async (t) => {
  const { clock, bo, root } = await setup(t);
  const current = readFileSync(bo.paths.trustList, 'utf8');
  const extra = createKeyFile(join(bo.paths.home, 'x.key'));
  clock.advance(90 * DAY_MS);
  const now = bo.now();
  const v2 = await signNextTrustList(root, current, { add: [{ publicKey: toHex(extra.publicKey), roles: parseRoles('purses'), days: 10, name: 'purses-only' }] }, now);
  t.equal(v2.list.version, 2);
  t.equal(v2.list.issuedAt, now);
  t.same(
    v2.list.keys.map((k) => [k.name, roleNames(k.roles)]),
    [
      ['issuer', ['TERMINALS', 'PURSES', 'FLEET']],
      ['sealed', ['SEALED']],
      ['clearing', ['CLEARING']],
      ['purses-only', ['PURSES']],
    ],
  );
  t.same(v2.list.keys.slice(0, 3), bo.trustList.keys, 'existing keys unchanged, byte for byte');
  const v3 = await signNextTrustList(root, v2.text, { retire: [toHex(extra.kid)] }, now + 1);
  t.same(v3.list.keys, bo.trustList.keys, 'retiring drops exactly that key');

  const mallory = createKeyFile(join(bo.paths.home, 'm.key'));
  await t.rejects(signNextTrustList(mallory, current, {}, now), { code: 'VERIFICATION_FAILED' }, 'a root key that did not sign the current list');
  await t.rejects(signNextTrustList(root, current, { retire: ['0011223344556677'] }, now), { code: 'NOT_FOUND' });
  await t.rejects(signNextTrustList(root, current, { add: [{ publicKey: toHex(bo.issuer.publicKey), roles: ROLE.FLEET, days: 1 }] }, now), { code: 'ALREADY_EXISTS' });
  await t.rejects(signNextTrustList(root, current, { add: [{ publicKey: 'zz', roles: ROLE.FLEET, days: 1 }] }, now), { code: 'USAGE' });
  await t.rejects(signNextTrustList(root, current, {}, bo.trustList.issuedAt - 10), { code: 'USAGE' }, 'an offline clock behind the current list');
  t.throws(() => parseRoles('terminals,root'), { code: 'USAGE' });

  await t.rejects(installTrustList(bo, current), { code: 'VERIFICATION_FAILED', message: /not newer/ }, 'the same version again is a rollback');
  const forged = toQrText('TRUST_LIST', await signObject('TRUST_LIST', { ...bo.trustList, version: 9 }, mallory));
  await t.rejects(installTrustList(bo, forged), { code: 'VERIFICATION_FAILED' }, 'a list the root did not sign');
  await installTrustList(bo, v3.text);
  await t.rejects(installTrustList(bo, v2.text), { code: 'VERIFICATION_FAILED', message: /not newer/ }, 'an older list after a newer one');
  t.equal(bo.trustList.version, 3);
});

t.test('issuer rotation: overlap (old certificates keep verifying), switch, retirement only after the old certificates expire', async (t) => {
  const { dir, clock, bo, root } = await setup(t);
  await bo.createAccount('alice');
  await bo.fund('alice', 100_000);
  const w = Wallet.create(join(dir, 'w'), { clock });
  const old = bo.issuer;
  const oldPurse = await bo.issuePurse({ account: 'alice', walletKey: w.publicKey, cap: 1_000, perPaymentLimit: 500, days: 30 });

  const fresh = createIssuerKey(bo.paths, bo.trustList);
  t.same(pendingIssuerKeys(bo.paths, bo.trustList).map((k) => toHex(k.kid)), [toHex(fresh.kid)], 'the new key waits for a ceremony');
  t.throws(() => createIssuerKey(bo.paths, bo.trustList), { code: 'ALREADY_EXISTS' }, 'one pending key at a time');
  t.equal(toHex(bo.issuer.kid), toHex(old.kid), 'not used before a list names it');

  clock.advance(DAY_MS);
  const overlap = await signNextTrustList(root, readFileSync(bo.paths.trustList, 'utf8'), { add: [{ publicKey: toHex(fresh.publicKey), roles: parseRoles('terminals,purses,fleet'), days: 1_000, name: 'issuer-2' }] }, bo.now());
  const r = await installTrustList(bo, overlap.text);
  t.equal(r.signingKid, toHex(fresh.kid), 'installing the list switches signing to the new key');
  t.equal(toHex(bo.issuer.kid), toHex(fresh.kid));
  t.ok(verifyPurseCert(oldPurse.file.purseCert, { trust: bo.trust, now: bo.now() }).ok, 'a purse signed by the old key still verifies during the overlap');
  const newPurse = await bo.issuePurse({ account: 'alice', walletKey: w.publicKey, cap: 1_000, perPaymentLimit: 500, days: 30 });
  t.equal(kidOf('PURSE_CERT', newPurse.file.purseCert), toHex(fresh.kid));
  const reopened = await BackOffice.open(bo.paths.home, { clock });
  t.equal(toHex(reopened.issuer.kid), toHex(fresh.kid), 'a restarted back office picks the new key too');
  await reopened.close();

  const retire = await signNextTrustList(root, overlap.text, { retire: [toHex(old.kid)] }, bo.now() + 1);
  await t.rejects(installTrustList(bo, retire.text), { code: 'USAGE', message: /still signs 0 unexpired terminal certificate\(s\) and 1 active purse/ }, 'refused while a live purse depends on the old key');
  clock.advance(31 * DAY_MS);
  const r2 = await installTrustList(bo, retire.text);
  t.same(r2.retired, [toHex(old.kid)], 'retired once its certificates expired');
  t.notOk(bo.trust.keysFor(old.kid, 'PURSES').length, 'the old key is no longer trusted');
  // Clearing still settles what was paid before the retirement (a terminal uploading late), and nothing after.
  const retiredAt = bo.trustList.issuedAt;
  t.ok(verifyPurseCert(oldPurse.file.purseCert, { trust: bo.clearing.trust, now: retiredAt - 60 }).ok, 'clearing: an old-key purse used before the retirement verifies');
  t.match(verifyPurseCert(oldPurse.file.purseCert, { trust: bo.clearing.trust, now: retiredAt + 60 }), { ok: false }, 'clearing: after the retirement it does not');
  const restarted = await BackOffice.open(bo.paths.home, { clock });
  t.equal(restarted.clearing.trust.keysFor(old.kid, 'PURSES')[0]?.notAfter, retiredAt, 'a restarted back office rebuilds that from its list history');
  await restarted.close();
  t.equal(toHex(bo.issuer.kid), toHex(fresh.kid));
  t.ok(existsSync(join(bo.paths.trustHistory, 'trust-list.v2.txt')), 'earlier lists are kept');
});

t.test('every issuer key expired: the back office still opens, so a rotation can repair it', async (t) => {
  const { clock, bo, root } = await setup(t);
  clock.advance(4 * 365 * DAY_MS); // past the 3-year validity init gives the issuer key
  const warnings: string[] = [];
  const logger = { warn: (m: string) => warnings.push(m), info: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;
  const late = await BackOffice.open(bo.paths.home, { clock, logger });
  t.teardown(() => late.close());
  t.match(warnings, [/no issuer key .* is listed and valid now/]);
  const fresh = createIssuerKey(late.paths, late.trustList);
  const next = await signNextTrustList(root, readFileSync(late.paths.trustList, 'utf8'), { add: [{ publicKey: toHex(fresh.publicKey), roles: parseRoles('terminals,purses,fleet'), days: 1_000 }] }, late.now());
  await installTrustList(late, next.text);
  t.equal(toHex(late.issuer.kid), toHex(fresh.kid), 'signing with the new key again');
});

t.test('a running back office picks up a list another process installed (reloadTrust)', async (t) => {
  const { clock, bo, root } = await setup(t);
  const other = await BackOffice.open(bo.paths.home, { clock });
  t.teardown(() => other.close());
  const next = await signNextTrustList(root, readFileSync(bo.paths.trustList, 'utf8'), {}, bo.now() + 5);
  await installTrustList(other, next.text);
  t.equal(bo.trustList.version, 1);
  t.equal(bo.reloadTrust(), true);
  t.equal(bo.trustList.version, 2);
  t.equal(bo.clearing.trust.version, 2, 'clearing verifies under the new list');
  t.equal(bo.reloadTrust(), false, 'nothing newer');
});
