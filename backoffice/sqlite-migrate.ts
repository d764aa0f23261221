// Ledger schema upgrades in place (run inside the opening transaction), indexes on upgraded columns, append-only triggers.
import type Database from 'better-sqlite3';
import { APPEND_ONLY_TABLES } from './ledger-audit.js';

/**
 * Schema 1 → 2: journal chains (one per terminal key, so a re-enrolled terminal starts again at
 * index 1 while its old records stay) and merged incidents (count, index range, last seen).
 * SQLite cannot change a primary key, so records and held are rebuilt; everything existing
 * becomes chain 1.
 */
const V1_TO_V2 = `
ALTER TABLE terminals ADD COLUMN chain INTEGER NOT NULL DEFAULT 1;
ALTER TABLE settlements ADD COLUMN chain INTEGER NOT NULL DEFAULT 1;
CREATE TABLE records_v2 (
  terminal_id TEXT NOT NULL, chain INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, tx_id TEXT NOT NULL,
  status TEXT NOT NULL, reason TEXT, record BLOB NOT NULL, time INTEGER NOT NULL, processed_at INTEGER NOT NULL,
  PRIMARY KEY (terminal_id, chain, idx));
INSERT INTO records_v2 SELECT terminal_id, 1, idx, hash, tx_id, status, reason, record, time, processed_at FROM records;
DROP TABLE records;
ALTER TABLE records_v2 RENAME TO records;
CREATE TABLE held_v2 (
  terminal_id TEXT NOT NULL, chain INTEGER NOT NULL, idx INTEGER NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (terminal_id, chain, idx));
INSERT INTO held_v2 SELECT terminal_id, 1, idx, json_set(entry, '$.chain', 1) FROM held;
DROP TABLE held;
ALTER TABLE held_v2 RENAME TO held;
ALTER TABLE incidents ADD COLUMN last_idx INTEGER;
ALTER TABLE incidents ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE incidents ADD COLUMN last_at INTEGER NOT NULL DEFAULT 0;
UPDATE incidents SET last_idx = idx, last_at = at;
`;

/** Schema 2 → 3: client-chosen transfer ids (idempotent funding); a table created just now already has the column. */
function v2ToV3(db: Database.Database): void {
  const columns = db.prepare('PRAGMA table_info(transfers)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'idem')) db.exec('ALTER TABLE transfers ADD COLUMN idem TEXT');
}

/**
 * Schema 3 → 4: an account's balance is the sum of its postings (the stored balance column goes, so it
 * cannot drift); a merchant account names its merchant in a column (no more slicing account ids);
 * settle transfers carry their txId as idempotency id, so a second settlement of one txId is refused by
 * the unique index. The one-time back-fill of the append-only transfers table lifts its update
 * trigger for this transaction only (APPEND_ONLY below puts it back).
 */
function v3ToV4(db: Database.Database): void {
  const columns = (db.prepare('PRAGMA table_info(accounts)').all() as { name: string }[]).map((c) => c.name);
  if (columns.includes('balance')) db.exec('ALTER TABLE accounts DROP COLUMN balance');
  if (!columns.includes('merchant_id')) db.exec("ALTER TABLE accounts ADD COLUMN merchant_id TEXT; UPDATE accounts SET merchant_id = substr(id, length('merchant:') + 1) WHERE kind = 'merchant'");
  db.exec(`DROP INDEX IF EXISTS postings_account;
DROP TRIGGER IF EXISTS transfers_no_update;
UPDATE transfers SET idem = 'settle:' || ref WHERE kind = 'settle' AND idem IS NULL;`);
}

const INDEXES = `
CREATE INDEX IF NOT EXISTS postings_account_amount ON postings(account, amount);
CREATE INDEX IF NOT EXISTS accounts_merchant ON accounts(merchant_id);
CREATE INDEX IF NOT EXISTS settlements_merchant ON settlements(merchant_id);
CREATE UNIQUE INDEX IF NOT EXISTS transfers_idem ON transfers(idem);
CREATE INDEX IF NOT EXISTS incidents_terminal ON incidents(terminal_id, at);
CREATE INDEX IF NOT EXISTS incidents_kind ON incidents(kind, at);
`;

/** The money tables refuse UPDATE and DELETE: a correction is a new transfer, never an edit. */
const APPEND_ONLY = APPEND_ONLY_TABLES.map(
  (t) => `CREATE TRIGGER IF NOT EXISTS ${t}_no_update BEFORE UPDATE ON ${t} BEGIN SELECT RAISE(ABORT, '${t} is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ${t}_no_delete BEFORE DELETE ON ${t} BEGIN SELECT RAISE(ABORT, '${t} is append-only'); END;`,
).join('\n');

/** Brings a ledger at schema `from` to the current schema; returns the version it is now at. */
export function migrate(db: Database.Database, from: number): number {
  if (from < 2) db.exec(V1_TO_V2);
  if (from < 3) v2ToV3(db);
  if (from < 4) v3ToV4(db);
  db.exec(INDEXES);
  db.exec(APPEND_ONLY);
  return 4;
}
