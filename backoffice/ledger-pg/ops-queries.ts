// The operator queries (ops/) on PostgreSQL: each query one transaction on one pooled connection, retried whole on a deadlock.
import type pg from 'pg';
import type { Row } from '../ledger-rows.js';
import { driveAsync, type OpsDb, type Query, type Step } from '../ops/db.js';
import { lockAccounts, transfer } from './money.js';
import { exec, numbered, type Client } from './sql.js';

async function answer(c: Client, s: Step): Promise<Row[]> {
  switch (s.kind) {
    case 'sql': {
      const r: pg.QueryResult<Row> = await exec(c, numbered(s.sql), s.params);
      return r.fields.length > 0 ? r.rows : [{ changes: r.rowCount ?? 0 }];
    }
    case 'forUpdate':
      return (await exec(c, `${numbered(s.sql)} FOR UPDATE`, s.params)).rows;
    case 'transfer': {
      const t = s.transfer;
      return [{ id: await transfer(c, t.kind, t.from, t.to, t.amount, t.ref, t.now, t.idem) }];
    }
    case 'lock':
      await exec(c, 'SELECT pg_advisory_xact_lock(hashtext($1))', [`ops:${s.name}`]);
      return [];
    case 'lockAccounts':
      await lockAccounts(c, s.ids);
      return [];
  }
}

/** `tx` is the ledger's transaction runner (retries on deadlock and serialization failures). */
export function pgOps(tx: <T>(fn: (c: Client) => Promise<T>) => Promise<T>): OpsDb {
  return {
    read: <T>(q: () => Query<T>) =>
      tx(async (c) => {
        // One snapshot for every statement of the query (clearing commits meanwhile).
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return driveAsync(q(), (s) => answer(c, s));
      }),
    write: <T>(q: () => Query<T>) => tx((c) => driveAsync(q(), (s) => answer(c, s))),
  };
}
