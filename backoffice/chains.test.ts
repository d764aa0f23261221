// Re-enrolment with a new key (`issue-terminal --replace`): a new chain settles from index 1; the old one stays verifiable history.
import t from 'tap';
import type { Clock } from '#common';
import { decodeObject, topics, type Ack, type JournalRecord } from '#protocol';
import { ClearingEngine } from './clearing.js';
import { SimulatedTerminal } from './sim-terminal.js';
import { createWorld, waitFor, type World } from './test-world.js';
import { merchantAccount } from './ledger.js';
import { ledgerBackends } from '../test/support/postgres.js';

/** One PostgreSQL server for the file (a fresh database per test). */
const backends = ledgerBackends(t);

type Wallet = Awaited<ReturnType<World['wallet']>>['wallet'];

async function pay(term: SimulatedTerminal, wallet: Wallet, amount: number): Promise<void> {
  const d = await term.accept((await wallet.payMerchant(await term.requestPayment(amount, 'EUR'))).text);
  if (!d.approved) throw new Error(`not approved: ${d.reason}`);
}


const indexOf = (bytes: Uint8Array): number => (decodeObject('JOURNAL_RECORD', bytes) as { ok: true; value: { value: JournalRecord } }).value.value.index;

for (const backend of backends) t.test(`${backend.name}: issue-terminal --replace starts a new chain that settles; the old chain stays verifiable`, async (t) => {
  let offsetMs = 0;
  const clock: Clock = { now: () => Date.now() + offsetMs, monotonic: () => performance.now() };
  const w = await createWorld({ clock, db: await backend.db() });
  t.teardown(() => w.close());
  const seconds = () => Math.floor(clock.now() / 1000);
  const { wallet } = await w.wallet('carol', 10_000, 2_500);
  const old = await w.merchant('T-SWAP');
  await w.clearing();
  const client = await w.client('terminal-swap');
  const balance = async () => (await w.bo.ledger.getAccount(merchantAccount('M-CAFE')))?.balance ?? 0;

  // The old key journals three payments and settles them; a fourth is journalled but not yet sent.
  for (const amount of [100, 200, 300]) await pay(old, wallet, amount);
  t.equal((await old.sync(client)).upTo, 3);
  await pay(old, wallet, 400);
  const lateBeforeRetirement = old.journal[3] as Uint8Array;
  t.equal(await balance(), 600);

  // A new key for the same terminal id: refused without --replace, a new chain with it.
  const fresh = new SimulatedTerminal('T-SWAP', w.bo.trust, seconds);
  const opts = { mode: 'merchant' as const, merchantId: 'M-CAFE', displayName: 'Café Tessera' };
  await t.rejects(w.bo.issueTerminal(await fresh.enrolmentRequest(), opts), { code: 'ALREADY_EXISTS' });
  const issued = await w.bo.issueTerminal(await fresh.enrolmentRequest(), { ...opts, replace: true });
  fresh.install(issued.bundle.terminalCert);
  t.match(await w.bo.ledger.getTerminal('T-SWAP'), { chain: 2, lastIndex: 0 }, 'the terminal is on chain 2, at its genesis');
  await t.rejects(w.bo.issueTerminal(await old.enrolmentRequest(), { ...opts, replace: true }), { code: 'ALREADY_EXISTS' }, 'a retired key cannot come back');

  // Every ack on the terminal's topic from now on must belong to the new chain.
  const spy = await w.client('ack-spy');
  const acks: Ack[] = [];
  spy.on('message', (_topic, p) => {
    const d = decodeObject('ACK', new Uint8Array(p));
    if (d.ok) acks.push(d.value.value);
  });
  await spy.subscribeAsync(topics.ack('T-SWAP'), { qos: 1 });

  // The new chain starts at index 1 with the genesis prevHash, as a fresh terminal does, and settles.
  await pay(fresh, wallet, 50);
  await pay(fresh, wallet, 60);
  t.same(fresh.journal.map(indexOf), [1, 2]);
  const ack = await fresh.sync(client);
  t.equal(ack.upTo, 2);
  t.same(ack.results.map((r) => [r.index, r.status]), [[1, 'settled'], [2, 'settled']], 'the new chain settles (it used to fail on the records primary key)');
  t.equal(await balance(), 710);

  // A late batch from the old key: the record made before the retirement settles as chain 1 history.
  await client.publishAsync(topics.journal('T-SWAP'), Buffer.from(old.batch([lateBeforeRetirement])), { qos: 1 });
  await waitFor(async () => (await w.bo.ledger.incidents()).some((i) => i.kind === 'retired-chain'));
  t.equal(await balance(), 1_110, 'the late record of the old chain settled');
  // One the old key signs after its retirement is recorded as evidence but settles nothing.
  offsetMs = 3_600_000;
  await pay(old, wallet, 500);
  await client.publishAsync(topics.journal('T-SWAP'), Buffer.from(old.batch([old.journal[4] as Uint8Array])), { qos: 1 });
  await waitFor(async () => (await w.bo.ledger.chains('T-SWAP'))[0]?.lastIndex === 5);
  t.equal(await balance(), 1_110, 'a record signed with the retired key after its retirement is not paid');
  const chain1 = await w.bo.ledger.chainRecords('T-SWAP', 1);
  t.same(chain1.map((r) => [r.index, r.status]), [[1, 'settled'], [2, 'settled'], [3, 'settled'], [4, 'settled'], [5, 'rejected']]);
  t.ok((await w.bo.ledger.incidents()).some((i) => i.kind === 'invalid-payment' && /retired/.test(i.detail)), 'the post-retirement record is reported');

  // The new chain carries on undisturbed; no ack of the old chain ever reached its topic.
  await pay(fresh, wallet, 70);
  t.same((await fresh.sync(client)).results.map((r) => [r.index, r.status]), [[3, 'settled']]);
  await waitFor(async () => acks.length >= 2);
  t.same(acks.map((a) => a.upTo), [2, 3], 'only the new chain was acked');
  t.equal(await balance(), 1_180);

  const chains = await w.bo.ledger.chains('T-SWAP');
  t.same(chains.map((c) => [c.chain, c.lastIndex, c.retiredAt === null]), [[1, 5, false], [2, 3, true]]);
  const audits = await w.bo.auditJournal('T-SWAP');
  t.same(audits.map((a) => [a.chain, a.records, a.ok]), [[1, 5, true], [2, 3, true]], 'both chains re-verify under their own keys');
  const settled = (await w.bo.ledger.settlements()).filter((s) => s.terminalId === 'T-SWAP');
  t.equal(settled.length, 7);
  t.equal((await w.bo.report()).trialBalance, 0);
});

for (const backend of backends) t.test(`${backend.name}: a chain audit finds a tampered stored record`, async (t) => {
  const w = await createWorld({ db: await backend.db() });
  t.teardown(() => w.close());
  const { wallet } = await w.wallet('dan');
  const term = await w.merchant('T-AUDIT');
  await pay(term, wallet, 100);
  await pay(term, wallet, 200);
  await w.bo.clearing.processBatch('T-AUDIT', term.batch());
  t.same((await w.bo.auditJournal('T-AUDIT')).map((a) => a.ok), [true]);
  const forged = Uint8Array.from(term.journal[0] as Uint8Array);
  forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
  await w.sql('UPDATE records SET record = ? WHERE terminal_id = ? AND idx = 1', [forged, 'T-AUDIT']);
  const [audit] = await w.bo.auditJournal('T-AUDIT');
  t.equal(audit?.ok, false);
  t.match(audit?.problems.join('\n'), /record 1/);
  await t.rejects(w.bo.auditJournal('T-NOBODY'), { code: 'NOT_FOUND' });
});

for (const backend of backends) t.test(`${backend.name}: a re-enrolment racing a batch of the old key cannot put its records on the new chain`, async (t) => {
  const w = await createWorld({ db: await backend.db() });
  t.teardown(() => w.close());
  const { wallet } = await w.wallet('fay');
  const old = await w.merchant('T-RACE');
  await pay(old, wallet, 100);
  // Clearing looked the terminal up (chain 1, old key) just before an operator ran --replace.
  const stale = await w.bo.ledger.getTerminal('T-RACE');
  const fresh = new SimulatedTerminal('T-RACE', w.bo.trust);
  fresh.install((await w.bo.issueTerminal(await fresh.enrolmentRequest(), { mode: 'merchant', merchantId: 'M-CAFE', displayName: 'Café Tessera', replace: true })).bundle.terminalCert);
  const ledger = new Proxy(w.bo.ledger, {
    get: (target, prop, receiver) => (prop === 'getTerminal' ? async () => stale : (Reflect.get(target, prop, receiver) as unknown)),
  });
  const engine = new ClearingEngine(ledger, w.bo.trust);
  const r = await engine.processBatch('T-RACE', old.batch());
  t.equal(r.retiredOnly, true, 'no ack: the chain it landed on is retired');
  t.same((await w.bo.ledger.chains('T-RACE')).map((c) => [c.chain, c.lastIndex]), [[1, 1], [2, 0]], 'the record went to chain 1; chain 2 is untouched');
  await pay(fresh, wallet, 50);
  t.same((await w.bo.clearing.processBatch('T-RACE', fresh.batch())).ack.results.map((x) => [x.index, x.status]), [[1, 'settled']]);
});
