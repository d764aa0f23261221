// A clearing connection killed mid-batch on PostgreSQL: nothing half-written, the re-sent batch settles once, the audit holds.
import pg from 'pg';
import t from 'tap';
import { PgLedger } from '../../backoffice/ledger-pg/pg-ledger.js';
import { merchantAccount } from '../../backoffice/ledger.js';
import { startPostgres } from '../support/postgres.js';
import { Chain, pay } from './ledger-suite.js';

const NOW = 1_800_000_000;

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** Waits (bounded) for a backend of this database to wait on a row lock, and returns its pid. */
async function lockWaiter(admin: pg.Client): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const r = await admin.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
    if (r.rows[0]) return r.rows[0].pid as number;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no backend waited on a lock within 10 s');
}

t.test('a batch whose connection is killed while it holds uncommitted rows leaves nothing behind', async (t) => {
  const server = await startPostgres();
  t.teardown(() => server.close());
  const url = await server.createDatabase();
  const ledger = await PgLedger.open(url);
  t.teardown(() => ledger.close());
  await ledger.registerTerminal({ terminalId: 'T-1', merchantId: 'M-NEW', displayName: 'Shop', mode: 'merchant', publicKey: new Uint8Array(33).fill(1), cert: 'TC1', notAfter: NOW + 86_400, operatorId: null, line: null }, NOW);
  await ledger.createAccount({ id: 'c1', kind: 'customer', currency: 'EUR' }, NOW);
  await ledger.fund('c1', 2_000, 'top-up', NOW);
  await ledger.createPurse({ purseId: 'P1', account: 'c1', currency: 'EUR', cap: 1_000, perPaymentLimit: 500, walletKey: 'wk', notBefore: NOW, notAfter: NOW + 3_600, cert: 'TK1' }, NOW);
  const chain = new Chain('T-1');
  const batch = [chain.entry(1, pay('P1', 1, 100, 100)), chain.entry(2, pay('P1', 2, 300, 200))];

  // Another session holds the purse: the batch has inserted the new merchant account and waits for the purse lock.
  const blocker = await connect(url);
  const admin = await connect(url);
  t.teardown(async () => {
    await blocker.end();
    await admin.end();
  });
  await blocker.query('BEGIN');
  await blocker.query("SELECT * FROM purses WHERE purse_id = 'P1' FOR UPDATE");
  const pending = ledger.applyJournal('T-1', batch, NOW);
  const pid = await lockWaiter(admin);
  // Expected before the kill: the batch may fail before the terminate call itself returns.
  const failed = t.rejects(pending, 'the batch fails (no ack: the terminal sends it again)');
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  await failed;
  await blocker.query('ROLLBACK');

  t.equal(await ledger.getAccount(merchantAccount('M-NEW')), undefined, 'the merchant account it had inserted is gone with the rest');
  t.match(await ledger.getTerminal('T-1'), { lastIndex: 0 });
  t.same(await ledger.chainRecords('T-1', 1), []);
  t.match(await ledger.audit(), { ok: true, settlements: 0 });

  // The terminal re-sends; the pool has dropped the dead connection.
  const again = await ledger.applyJournal('T-1', batch, NOW);
  t.same(again.outcomes.map((o) => o.status), ['settled', 'settled']);
  t.equal((await ledger.getAccount(merchantAccount('M-NEW')))?.balance, 300);
  t.match(await ledger.audit(), { ok: true, settlements: 2, postingsSum: 0 });
  t.same((await ledger.applyJournal('T-1', batch, NOW)).outcomes.map((o) => o.status), ['duplicate', 'duplicate']);
});
