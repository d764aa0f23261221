// The operator queries (ops/) on SQLite: one connection, each query one transaction (deferred to read, immediate to write).
import type Database from 'better-sqlite3';
import type { Row } from './ledger-rows.js';
import { driveSync, type OpsDb, type Query, type Step, type TransferSpec } from './ops/db.js';
import { SQLITE_OPS_SCHEMA } from './ops/schema.js';

/** Creates the operator tables, indexes and triggers (idempotent; runs inside the ledger's opening transaction). */
export function migrateOps(db: Database.Database): void {
  db.exec(SQLITE_OPS_SCHEMA);
}

/** `transfer` is the ledger's own transfer primitive (it keeps whatever the SQLite ledger derives from postings). */
export function sqliteOps(db: Database.Database, transfer: (t: TransferSpec) => number): OpsDb {
  const statements = new Map<string, Database.Statement>();
  const answer = (s: Step): Row[] => {
    if (s.kind === 'transfer') return [{ id: transfer(s.transfer) }];
    // BEGIN IMMEDIATE already serialises every writer of the file.
    if (s.kind !== 'sql' && s.kind !== 'forUpdate') return [];
    let st = statements.get(s.sql);
    if (!st) statements.set(s.sql, (st = db.prepare(s.sql)));
    return st.reader ? (st.all(...s.params) as Row[]) : [{ changes: st.run(...s.params).changes }];
  };
  return {
    read: async <T>(q: () => Query<T>) => db.transaction(() => driveSync(q(), answer)).deferred(),
    write: async <T>(q: () => Query<T>) => db.transaction(() => driveSync(q(), answer)).immediate(),
  };
}
