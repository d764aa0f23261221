// Two PostgreSQL ledger instances clearing many terminals at once for one hot merchant: no deadlock, each payment settled once.
import t from 'tap';
import { PgLedger } from '../../backoffice/ledger-pg/pg-ledger.js';
import { merchantAccount, purseAccount, type JournalEntry } from '../../backoffice/ledger.js';
import { startPostgres } from '../support/postgres.js';
import { Chain, pay } from './ledger-suite.js';

const NOW = 1_800_000_000;
const TERMINALS = 6;
const PURSES = 6;
const SEQS = 20;
const CHARGE = 10;
const BATCH = 5;

t.test('concurrent batches on two ledger instances: fixed lock order, no deadlock, exactly-once settlement', async (t) => {
  const server = await startPostgres();
  t.teardown(() => server.close());
  const url = await server.createDatabase();
  // Two clearing workers' ledgers open (and migrate) at once.
  const workers = await Promise.all([PgLedger.open(url, { maxConnections: 4 }), PgLedger.open(url, { maxConnections: 4 })]);
  t.teardown(async () => {
    for (const w of workers) await w.close();
  });
  const [a] = workers as [PgLedger, PgLedger];

  for (let p = 0; p < PURSES; p++) {
    await a.createAccount({ id: `c${p}`, kind: 'customer', currency: 'EUR' }, NOW);
    await a.fund(`c${p}`, 10_000, 'top-up', NOW);
    await a.createPurse({ purseId: `P${p}`, account: `c${p}`, currency: 'EUR', cap: 5_000, perPaymentLimit: 100, walletKey: 'wk', notBefore: NOW, notAfter: NOW + 3_600, cert: 'TK1' }, NOW);
  }
  const chains: Chain[] = [];
  for (let i = 0; i < TERMINALS; i++) {
    const id = `T-${i}`;
    // Every terminal settles to the same merchant: one hot merchant account.
    await a.registerTerminal({ terminalId: id, merchantId: 'M-HOT', displayName: 'Hot', mode: 'merchant', publicKey: new Uint8Array(33).fill(i + 1), cert: 'TC1', notAfter: NOW + 86_400, operatorId: null, line: null }, NOW);
    chains.push(new Chain(id));
  }
  // Each purse's sequences are spread over the terminals, so every batch touches several purses other
  // terminals touch too; every 7th sequence is also presented (another payment) at the next terminal.
  const journals: JournalEntry[][] = chains.map(() => []);
  let doubled = 0;
  for (let s = 1; s <= SEQS; s++) {
    for (let p = 0; p < PURSES; p++) {
      const presentAt = s % 7 === 0 ? [(p + s) % TERMINALS, (p + s + 1) % TERMINALS] : [(p + s) % TERMINALS];
      if (presentAt.length > 1) doubled++;
      for (const ti of presentAt) {
        const j = journals[ti] as JournalEntry[];
        j.push((chains[ti] as Chain).entry(j.length + 1, pay(`P${p}`, s, s * CHARGE, CHARGE)));
      }
    }
  }

  // Each terminal sends its batches in order; each batch reaches both workers (a re-delivery), all terminals at once.
  await Promise.all(
    journals.map(async (j, ti) => {
      for (let i = 0; i < j.length; i += BATCH) {
        const batch = j.slice(i, i + BATCH);
        const results = await Promise.all(workers.map((w) => w.applyJournal(`T-${ti}`, batch, NOW)));
        t.ok(results.every((r) => r.upTo === Math.min(i + BATCH, j.length)), `T-${ti} batch ${i / BATCH + 1} recorded by whichever worker came first`);
      }
    }),
  );

  t.same(workers.map((w) => w.retried), [{ deadlock: 0, serialization: 0 }, { deadlock: 0, serialization: 0 }], 'no transaction deadlocked or had to be retried');
  const settlements = await a.settlements();
  t.equal(settlements.length, PURSES * SEQS, 'one settlement per purse sequence');
  t.equal(new Set(settlements.map((s) => s.txId)).size, settlements.length, 'every settled txId once');
  t.equal(new Set(settlements.map((s) => `${s.purseId}#${s.seq}`)).size, settlements.length);
  const cases = await a.fraudCases();
  t.equal(cases.length, doubled, 'every second presentation of a sequence is a double spend');
  t.ok(cases.every((c) => c.kind === 'double-spend'));
  t.equal((await a.getAccount(merchantAccount('M-HOT')))?.balance, PURSES * SEQS * CHARGE);
  for (let p = 0; p < PURSES; p++) t.equal((await a.getAccount(purseAccount(`P${p}`)))?.balance, 5_000 - SEQS * CHARGE, `P${p} reservation`);
  t.equal(await a.trialBalance(), 0);
});
