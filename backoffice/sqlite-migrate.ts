// Ledger schema upgrades in place (run inside the opening transaction), and indexes on upgraded columns.
import type Database from 'better-sqlite3';

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

const INDEXES = `
CREATE INDEX IF NOT EXISTS incidents_terminal ON incidents(terminal_id, at);
CREATE INDEX IF NOT EXISTS incidents_kind ON incidents(kind, at);
`;

/** Brings a ledger at schema `from` to the current schema; returns the version it is now at. */
export function migrate(db: Database.Database, from: number): number {
  if (from < 2) db.exec(V1_TO_V2);
  db.exec(INDEXES);
  return 2;
}
