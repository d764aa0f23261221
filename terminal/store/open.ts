// Opens the terminal database safely: WAL + FULL sync, integrity check, migrations, and refusals that touch nothing.
import type BetterSqlite3 from 'better-sqlite3';
import { statSync } from 'node:fs';
import { TesseraError } from '#common';
import { Sqlite as Database } from '#common/node';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export type Db = BetterSqlite3.Database;

/** SQLite's page cache per connection, in KiB (PRAGMA cache_size takes it negated). */
export const PAGE_CACHE_KIB = 4096;
export type DbFactory = (path: string, options: BetterSqlite3.Options) => Db;

export const defaultFactory: DbFactory = (path, options) => new Database(path, options);

function corrupt(path: string, why: string, cause?: unknown): TesseraError {
  return new TesseraError(
    'DB_CORRUPT',
    `database ${path} is damaged (${why}); it was not modified. Restore it from backup or move it aside to start empty (payments in it would be lost).`,
    { cause, details: { path } },
  );
}

/** The disk failed (full, I/O), not the file's content: SQLite says IOERR, FULL or CANTOPEN. */
function isDiskError(e: unknown): boolean {
  return /^SQLITE_(IOERR|FULL|CANTOPEN)/.test(String((e as { code?: string }).code ?? ''));
}

function unwritable(path: string, cause: unknown): TesseraError {
  return new TesseraError(
    'DB_WRITE_FAILED',
    `database ${path} cannot be opened: ${(cause as Error).message} (the disk is full or failing; the file was not modified, and it opens once the disk is writable)`,
    { cause, details: { path } },
  );
}

/** Creates a new, empty database (the schema, nothing else): what provisioning does once per terminal. */
export function createDatabase(path: string): void {
  openDatabase(path, { create: true }).close();
}

/**
 * Opens (or, unless `create` is false, creates) the database. A corrupt file, or one written by a newer Tessera, is refused
 * with a clear error and left exactly as it was: never deleted, never silently recreated.
 */
export function openDatabase(path: string, opts: { readonly?: boolean; factory?: DbFactory; create?: boolean } = {}): Db {
  const factory = opts.factory ?? defaultFactory;
  const size = path === ':memory:' ? undefined : statSync(path, { throwIfNoEntry: false })?.size;
  const existed = size !== undefined;
  if (!existed && path !== ':memory:' && (opts.create === false || opts.readonly === true)) {
    throw new TesseraError(
      'DB_MISSING',
      `no database at ${path}: a terminal's journal is created by \`tessera provision init\`; if this terminal had one, restore it from backup (a new, empty journal would restart its chain and lose the records)`,
      { details: { path } },
    );
  }
  // SQLite reads a zero-length file as a valid empty database; here it is what is left of a journal
  // (truncated, or created by a crash before its first page): refused like any other damage.
  if (size === 0) throw corrupt(path, 'the file is empty (0 bytes)');
  let db: Db;
  try {
    // Open read-only first when the file exists: checking it must not write (WAL setup would).
    db = factory(path, { readonly: existed || opts.readonly === true, fileMustExist: existed || opts.readonly === true });
  } catch (e) {
    throw new TesseraError('DB_CORRUPT', `cannot open database ${path}: ${(e as Error).message}`, { cause: e, details: { path } });
  }
  try {
    if (existed) {
      let check: string;
      try {
        check = String(db.pragma('quick_check', { simple: true }));
      } catch (e) {
        if (isDiskError(e)) throw unwritable(path, e);
        throw corrupt(path, (e as Error).message, e);
      }
      if (check !== 'ok') throw corrupt(path, `integrity check: ${check}`);
      const version = Number(db.pragma('user_version', { simple: true }));
      if (version > SCHEMA_VERSION) {
        throw new TesseraError('DB_TOO_NEW', `database ${path} has schema ${version}, newer than this Tessera (${SCHEMA_VERSION}); upgrade Tessera, the file was not modified`, {
          details: { path, version },
        });
      }
      if (opts.readonly) return db;
      db.close();
      db = factory(path, { fileMustExist: true });
    }
    try {
      db.pragma('journal_mode = WAL');
    } catch (e) {
      if (isDiskError(e)) throw unwritable(path, e);
      throw e;
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // better-sqlite3 builds SQLite with a 16 MiB page cache per connection, which a terminal's journal
    // fills within ~20,000 payments: resident memory a Pi needs elsewhere. The decision path touches
    // the B-trees' right edges and a few index leaves; the kernel's page cache holds the rest anyway.
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function migrate(db: Db): void {
  const from = Number(db.pragma('user_version', { simple: true }));
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
