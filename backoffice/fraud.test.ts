// Double spending: one purse sequence presented at two terminals → one fraud case with both payments, a new deny list.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { decodeObject, fromHex, topics, verifyFleetMessage } from '#protocol';
import { Wallet } from '#wallet';
import { createWorld } from './test-world.js';
import { merchantAccount, purseAccount } from './ledger.js';
import { ledgerBackends } from '../test/support/postgres.js';

const DENYLIST_TOPIC = topics.denylist;

for (const backend of ledgerBackends(t)) t.test(`${backend.name}: the same sequence at two terminals opens one fraud case and the deny list reaches the fleet`, async (t) => {
  const w = await createWorld({ db: await backend.db() });
  t.teardown(() => w.close());
  const { wallet, purseId } = await w.wallet('mallory', 1_000, 800);
  const a = await w.merchant('T-A', 'M-A', 'Shop A');
  const b = await w.merchant('T-B', 'M-B', 'Shop B');

  // The wallet is restored from a backup taken before its first payment: it reuses sequence 1.
  const state = join(wallet.home, 'wallet.json');
  copyFileSync(state, `${state}.bak`);
  const payA = await wallet.payMerchant(await a.requestPayment(700, 'EUR'));
  copyFileSync(`${state}.bak`, state);
  const cloned = Wallet.open(wallet.home);
  const payB = await cloned.payMerchant(await b.requestPayment(600, 'EUR'));
  t.equal(payA.seq, 1);
  t.equal(payB.seq, 1, 'the restored wallet reused the sequence');
  t.not(payA.txId, payB.txId);

  // Offline, each terminal sees a valid payment within the purse limits.
  t.match(await a.accept(payA.text), { approved: true });
  t.match(await b.accept(payB.text), { approved: true });

  await w.clearing();
  const fleet = await w.client('fleet-watcher');
  // Clearing also publishes the (empty) list on its freshness schedule: wait for the one naming the purse.
  const names = (p: Buffer) => {
    const d = decodeObject('FLEET_MESSAGE', new Uint8Array(p));
    return d.ok && (d.value.value.denylist?.length ?? 0) > 0;
  };
  const denylist = new Promise<Buffer>((resolve) => fleet.on('message', (topic, p) => topic === DENYLIST_TOPIC && names(p) && resolve(p)));
  await fleet.subscribeAsync(DENYLIST_TOPIC, { qos: 1 });
  const term = await w.client('terminals');
  t.equal((await a.sync(term)).results[0]?.status, 'settled');
  const ackB = await b.sync(term);
  t.equal(ackB.upTo, 1, 'the fraudulent record is recorded (the terminal may drop it)');
  t.equal(ackB.results[0]?.status, 'fraud');

  const cases = await w.bo.ledger.fraudCases();
  t.equal(cases.length, 1, 'one fraud case');
  t.match(cases[0], { purseId, kind: 'double-spend', firstTxId: payA.txId, secondTxId: payB.txId, terminalId: 'T-B' });
  t.equal(cases[0]?.firstPayment, Buffer.from(payA.bytes).toString('hex'), 'evidence: the settled signed payment');
  t.equal(cases[0]?.secondPayment, Buffer.from(payB.bytes).toString('hex'), 'evidence: the conflicting signed payment');
  t.equal((await w.bo.ledger.getAccount(merchantAccount('M-B')))?.balance ?? 0, 0, 'the double spend is not settled');
  t.equal((await w.bo.ledger.getAccount(purseAccount(purseId)))?.balance, 300);

  // The deny list: retained, signed, versioned, accepted by fleet verification; terminal A now declines the purse.
  const msg = new Uint8Array(await withTimeout(denylist, 10_000));
  const v = verifyFleetMessage(msg, { trust: w.bo.trust, now: w.bo.now(), terminalId: 'T-A', appliedVersion: 0 });
  t.ok(v.ok, 'verifyFleetMessage accepts the deny list');
  if (v.ok) t.same(v.value.value.denylist, [fromHex(purseId)]);
  t.ok(a.applyFleet(msg));
  const next = await wallet.payMerchant(await a.requestPayment(100, 'EUR'));
  t.match(await a.accept(next.text), { approved: false, reason: 'REVOKED' }, 'the other terminal declines the purse as revoked');

  // A late subscriber gets the retained list too.
  const late = await w.client('late');
  const retained = new Promise<Buffer>((resolve) => late.on('message', (topic, p) => topic === DENYLIST_TOPIC && resolve(p)));
  await late.subscribeAsync(DENYLIST_TOPIC, { qos: 1 });
  t.same(new Uint8Array(await withTimeout(retained, 10_000)), msg);
  t.equal((await w.bo.report()).trialBalance, 0);
});

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}
