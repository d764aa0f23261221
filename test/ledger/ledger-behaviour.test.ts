// The ledger behaviour suite on both backends: SQLite in a temp file, PostgreSQL on a real server this test starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import t from 'tap';
import { APPEND_ONLY_TABLES } from '../../backoffice/ledger-audit.js';
import { PgLedger } from '../../backoffice/ledger-pg/pg-ledger.js';
import { SqliteLedger } from '../../backoffice/sqlite-ledger.js';
import { startPostgres } from '../support/postgres.js';
import { ledgerSuite } from './ledger-suite.js';

t.test('SQLite', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ledger-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  ledgerSuite(t, async () => {
    const ledger = new SqliteLedger(join(dir, `ledger-${++n}.sqlite`));
    return {
      ledger,
      sql: async (q: string) => {
        const st = ledger.db.prepare(q);
        return st.reader ? (st.all() as Record<string, unknown>[]) : (st.run(), []);
      },
    };
  });
});

t.test('PostgreSQL', async (t) => {
  const server = await startPostgres();
  t.teardown(() => server.close());
  const sql = async (url: string, q: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(q)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };
  ledgerSuite(t, async () => {
    const url = await server.createDatabase();
    return { ledger: await PgLedger.open(url), sql: (q: string) => sql(url, q) };
  });

  t.test('TRUNCATE of a money table is refused too', async (t) => {
    const url = await server.createDatabase();
    const ledger = await PgLedger.open(url);
    t.teardown(() => ledger.close());
    for (const table of APPEND_ONLY_TABLES) await t.rejects(sql(url, `TRUNCATE ${table} CASCADE`), /append-only/, table);
  });
});
