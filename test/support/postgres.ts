// Starts a real PostgreSQL server (initdb + pg_ctl) in a temp dir on a free loopback port, for tests and benches.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../scripts/broker.js';

const run = promisify(execFile);

/** Where Debian's postgresql-15 package puts initdb and pg_ctl (not on PATH); PG_BIN overrides. */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** initdb refuses to run as root: as root, the server runs as this system user (the package creates it). */
export const PG_USER = process.env.PG_USER ?? 'postgres';
/** The superuser initdb creates in the test cluster. */
const SUPERUSER = 'tessera';

export interface Postgres {
  port: number;
  dir: string;
  /** The UNIX user the server runs as. */
  user: string;
  /** postgres:// URL of a database on this server (default: the maintenance database). */
  url(database?: string): string;
  /** Creates a fresh empty database (one per test keeps tests independent) and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server (fast shutdown) and removes its directory. */
  close(): Promise<void>;
}

interface Ids {
  uid: number;
  gid: number;
}

async function userIds(name: string): Promise<Ids> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

let counter = 0;

export async function startPostgres(): Promise<Postgres> {
  const root = process.getuid?.() === 0;
  const user = root ? PG_USER : (await run('id', ['-un'])).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pg-'));
  if (root) {
    const ids = await userIds(PG_USER).catch(() => {
      throw new Error(`running as root, PostgreSQL needs the unprivileged user ${PG_USER} (install postgresql, or set PG_USER)`);
    });
    chownSync(dir, ids.uid, ids.gid);
  }
  const asUser = (bin: string, args: string[]) => (root ? run('runuser', ['-u', PG_USER, '--', join(PG_BIN, bin), ...args]) : run(join(PG_BIN, bin), args));
  const data = join(dir, 'data');
  const port = await freePort();
  const log = join(dir, 'server.log');
  const stop = () => asUser('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  try {
    // trust on loopback only: the cluster lives for one test run in a private temp dir.
    await asUser('initdb', ['-D', data, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    // fsync stays on: the tests exercise the durability a production server has.
    const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=on -c synchronous_commit=on -c max_connections=100`;
    await asUser('pg_ctl', ['-D', data, '-o', opts, '-l', log, '-w', '-t', '30', 'start']);
  } catch (err) {
    const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2_000) : '';
    await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${tail}`, { cause: err });
  }
  const url = (database = 'postgres') => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  return {
    port,
    dir,
    user,
    url,
    async createDatabase(name = `t${process.pid}_${++counter}`) {
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    async close() {
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A ledger backend a behaviour test runs on: `db()` gives the --db value of a fresh ledger (undefined: SQLite). */
export interface LedgerBackend {
  name: 'SQLite' | 'PostgreSQL';
  db(): Promise<string | undefined>;
}

/**
 * Both backends for one test file: the PostgreSQL server starts on first use (one per file, a fresh
 * database per call) and stops when `t` ends.
 */
export function ledgerBackends(t: { teardown(fn: () => unknown): void }): LedgerBackend[] {
  let server: Promise<Postgres> | undefined;
  return [
    { name: 'SQLite', db: async () => undefined },
    {
      name: 'PostgreSQL',
      async db() {
        if (!server) {
          server = startPostgres();
          const started = server;
          t.teardown(async () => (await started).close());
        }
        return (await server).createDatabase();
      },
    },
  ];
}
