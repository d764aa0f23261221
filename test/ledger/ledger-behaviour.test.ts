// The ledger behaviour suite on both backends: SQLite in a temp file, PostgreSQL on a real server this test starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { PgLedger } from '../../backoffice/ledger-pg/pg-ledger.js';
import { SqliteLedger } from '../../backoffice/sqlite-ledger.js';
import { startPostgres } from '../support/postgres.js';
import { ledgerSuite } from './ledger-suite.js';

t.test('SQLite', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ledger-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  ledgerSuite(t, async () => new SqliteLedger(join(dir, `ledger-${++n}.sqlite`)));
});

t.test('PostgreSQL', async (t) => {
  const server = await startPostgres();
  t.teardown(() => server.close());
  ledgerSuite(t, async () => PgLedger.open(await server.createDatabase()));
});
