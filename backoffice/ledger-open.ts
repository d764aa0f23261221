// Picks the ledger backend: the SQLite file in the home directory, or PostgreSQL when a postgres:// URL is given.
import { TesseraError } from '#common';
import type { Ledger } from './ledger.js';
import { SqliteLedger } from './sqlite-ledger.js';

/** True for the URLs `--db` / TESSERA_BACKOFFICE_DB accept as PostgreSQL. */
export const isPostgresUrl = (s: string): boolean => /^postgres(ql)?:\/\//.test(s);

/**
 * `db` is `--db` or $TESSERA_BACKOFFICE_DB: empty or absent keeps the embedded SQLite ledger (the
 * demo, a single small operator); a postgres:// URL opens (and migrates) a PostgreSQL ledger.
 */
export async function openLedger(sqlitePath: string, db?: string): Promise<Ledger> {
  if (db === undefined || db === '') return new SqliteLedger(sqlitePath);
  // The URL may carry a password: it is never echoed.
  if (!isPostgresUrl(db)) throw new TesseraError('USAGE', '--db / TESSERA_BACKOFFICE_DB must be a postgres:// or postgresql:// URL');
  // Loaded only when asked for: a SQLite back office never loads the PostgreSQL client.
  const { PgLedger } = await import('./ledger-pg/pg-ledger.js');
  return PgLedger.open(db);
}
