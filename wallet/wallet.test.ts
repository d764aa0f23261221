// The wallet: purse import checks, balances, merchant and transit payments, and a sequence that is never reused.
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ManualClock } from '#common';
import { DAY, KeySigner, NodeBackend, signObject, toHex, toQrText, type PurseCert } from '#protocol';
import { createTestWorld } from '#protocol/testkit';
import { SimulatedTerminal } from '#backoffice/testkit';
import { Wallet, decodeQrPng, qrPngFile, type DurableFs } from './index.js';

async function setup(onClose: (fn: () => void) => void) {
  const world = await createTestWorld({ seed: 'wallet-test', backend: new NodeBackend() });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-wallet-'));
  onClose(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(world.now * 1000);
  const purseFile = async (walletKey: Uint8Array, o: Partial<PurseCert> = {}) => {
    const cert: PurseCert = {
      purseId: new Uint8Array(16).fill(7),
      walletKey,
      currency: 'EUR',
      cap: 1_000,
      perPaymentLimit: 600,
      notBefore: world.now - DAY,
      notAfter: world.now + 30 * DAY,
      ...o,
    };
    return JSON.stringify({
      format: 'tessera-purse/1',
      purseCert: toQrText('PURSE_CERT', await signObject('PURSE_CERT', cert, world.issuer)),
      trustList: toQrText('TRUST_LIST', world.trustBytes),
      rootPublicKey: toHex(world.root.publicKey),
    });
  };
  const now = () => Math.floor(clock.now() / 1000);
  const shop = new SimulatedTerminal('T-SHOP', world.trust, now);
  shop.install(toQrText('TERMINAL_CERT', (await world.terminalCert({ terminalId: 'T-SHOP', displayName: 'Shop of Record', key: shop.key })).bytes));
  const gate = new SimulatedTerminal('T-GATE', world.trust, now);
  const metro = { currency: 'EUR', operatorId: 'OP-METRO', line: 'L2', utcOffsetMinutes: 0, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 150 }] };
  gate.install(toQrText('TERMINAL_CERT', (await world.terminalCert({ terminalId: 'T-GATE', mode: 'transit', merchantId: 'OP-METRO', key: gate.key })).bytes), metro);
  return { world, dir, clock, purseFile, shop, gate };
}

t.test('create, import, pay a merchant and a validator, balance', async (t) => {
  const { dir, clock, purseFile, shop, gate } = await setup((fn) => t.teardown(fn));
  const w = Wallet.create(join(dir, 'w'), { clock });
  t.equal(statSync(join(dir, 'w', 'wallet.key')).mode & 0o777, 0o600, 'the key file is 0600');
  t.throws(() => Wallet.create(join(dir, 'w'), { clock }), { code: 'ALREADY_EXISTS' });

  t.throws(() => w.importPurse(JSON.stringify({ format: 'nope' })), { code: 'USAGE' });
  const foreign = await purseFile(KeySigner.generate().publicKey);
  t.throws(() => w.importPurse(foreign), { code: 'VERIFICATION_FAILED' }, 'a purse issued to another key is refused');
  const tampered = JSON.parse(await purseFile(new Uint8Array(Buffer.from(w.publicKey, 'hex')))) as { rootPublicKey: string };
  tampered.rootPublicKey = toHex(KeySigner.generate().publicKey);
  t.throws(() => w.importPurse(JSON.stringify(tampered)), { code: 'VERIFICATION_FAILED' }, 'a trust list not signed by the given root is refused');
  const mine = await purseFile(new Uint8Array(Buffer.from(w.publicKey, 'hex')));
  t.match(w.importPurse(mine), { available: 1_000, cap: 1_000, perPaymentLimit: 600, seq: 0 });
  t.throws(() => w.importPurse(mine), { code: 'ALREADY_EXISTS' });

  const p1 = await w.payMerchant(await shop.requestPayment(250, 'EUR', 'order-1'));
  t.match(p1, { seq: 1, cumulative: 250, amount: 250, payeeKind: 'merchant', payee: 'T-SHOP', merchant: { displayName: 'Shop of Record', reference: 'order-1' } });
  t.match(await shop.accept(p1.text), { approved: true }, 'the terminal accepts the payment offline');
  const p2 = await w.payTransit({ operator: 'OP-METRO', max: 200 });
  t.match(p2, { seq: 2, cumulative: 450, amount: 200, payeeKind: 'transit' });
  t.match(await gate.accept(p2.text), { approved: true, charged: 150 });
  t.equal(w.balances()[0]?.available, 550, 'cap minus cumulative authorised');
  await t.rejects(w.payMerchant(await shop.requestPayment(601, 'EUR')), { code: 'INSUFFICIENT_FUNDS' }, 'over the per-payment limit');
  await t.rejects(w.payMerchant(await shop.requestPayment(100, 'USD')), { code: 'INSUFFICIENT_FUNDS' }, 'no purse in that currency');

  // A request too old, or signed by a key the trust list does not know, is refused before anything is signed.
  const stale = await shop.requestPayment(10, 'EUR');
  clock.advance(3_600_000);
  await t.rejects(w.payMerchant(stale), { code: 'VERIFICATION_FAILED' });
  const rogue = new SimulatedTerminal('T-ROGUE', (await createTestWorld({ seed: 'other', backend: new NodeBackend() })).trust, () => Math.floor(clock.now() / 1000));
  const other = await createTestWorld({ seed: 'other', backend: new NodeBackend(), now: Math.floor(clock.now() / 1000) });
  rogue.install(toQrText('TERMINAL_CERT', (await other.terminalCert({ terminalId: 'T-ROGUE', key: rogue.key })).bytes));
  await t.rejects(w.payMerchant(await rogue.requestPayment(10, 'EUR')), { code: 'VERIFICATION_FAILED' }, 'a terminal certified by another issuer');
  t.equal(w.balances()[0]?.seq, 2, 'refusals spend no sequence');

  // Durable: a fresh process sees the advanced sequence.
  const again = Wallet.open(join(dir, 'w'), { clock });
  t.match(again.balances()[0], { seq: 2, cumulative: 450, available: 550 });
  t.equal(again.payments.length, 2);
});

t.test('the sequence is saved before a payment is returned; a failed save returns nothing', async (t) => {
  const { dir, clock, purseFile } = await setup((fn) => t.teardown(fn));
  const home = join(dir, 'w');
  const created = Wallet.create(home, { clock });
  created.importPurse(await purseFile(new Uint8Array(Buffer.from(created.publicKey, 'hex'))));

  // The disk fails at the rename: no payment may come out, and nothing advances.
  const failing: DurableFs = { ...fs, renameSync: () => { throw new Error('EIO'); } };
  const w = Wallet.open(home, { clock, fs: failing });
  await t.rejects(w.payTransit({ operator: 'OP-METRO', max: 100 }), { code: 'FILE_WRITE_FAILED' });
  t.equal(w.balances()[0]?.seq, 0, 'memory did not advance');
  t.equal(Wallet.open(home, { clock }).balances()[0]?.seq, 0, 'disk did not advance');
  t.same(fs.readdirSync(home).filter((f) => f.endsWith('.tmp')), [], 'no temp file left behind');

  // Record every durable step: the file is synced, renamed and its directory synced before the payment exists.
  const steps: string[] = [];
  const tracing: DurableFs = {
    ...fs,
    fsyncSync: (fd) => (steps.push('fsync'), fs.fsyncSync(fd)),
    renameSync: (a, b) => (steps.push('rename'), fs.renameSync(a, b)),
  };
  const w2 = Wallet.open(home, { clock, fs: tracing });
  const p = await w2.payTransit({ operator: 'OP-METRO', max: 100 });
  t.same(steps, ['fsync', 'rename', 'fsync'], 'file fsync, rename, directory fsync');
  t.equal(p.seq, 1);
  // A crash after the save but before the code was shown: the next payment uses a new sequence.
  const afterCrash = Wallet.open(home, { clock });
  t.equal((await afterCrash.payTransit({ operator: 'OP-METRO', max: 100 })).seq, 2, 'sequence 1 is never reused');
  t.equal(JSON.parse(readFileSync(join(home, 'wallet.json'), 'utf8')).purses[0].seq, 2);
});

t.test('QR codes: a request PNG decodes to its text; a payment PNG round-trips', async (t) => {
  const { dir, shop } = await setup((fn) => t.teardown(fn));
  const text = await shop.requestPayment(123, 'EUR');
  const png = join(dir, 'req.png');
  await qrPngFile(png, text);
  t.equal(decodeQrPng(png), text);
  t.throws(() => decodeQrPng(join(dir, 'missing.png')), { code: 'USAGE' });
});
