// Small helpers over a pg client: typed rows, one connection pool setting for bigint, and the transaction runner.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { TesseraError } from '#common';
import type { Row } from '../ledger-rows.js';

/** A connection in a transaction, or the pool for a single-statement read. */
export type Client = Pick<pg.ClientBase, 'query'>;

const INT8_OID = 20;

/** bigint columns (amounts, seconds, counts) come back as numbers; one that a number cannot hold is refused, never rounded. */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new TesseraError('DB_CORRUPT', `integer ${text} is out of the safe range`);
  return n;
}

export const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** SQL written with `?` placeholders (shared with SQLite) in PostgreSQL's numbered form. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const names = new Map<string, string>();

/**
 * Runs one statement as a named prepared statement: each connection parses and plans a text once,
 * then only binds (clearing runs the same dozen statements for every record).
 */
export function exec(c: Client, sql: string, params: unknown[] = []): Promise<pg.QueryResult<Row>> {
  let name = names.get(sql);
  if (!name) names.set(sql, (name = `t${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`));
  return c.query<Row>({ name, text: sql, values: params });
}

export async function one(c: Client, sql: string, params: unknown[] = []): Promise<Row | undefined> {
  return (await exec(c, sql, params)).rows[0];
}

export async function all(c: Client, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await exec(c, sql, params)).rows;
}

/** Deadlock and serialization failures: the transaction rolled back whole and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 5;

/** Runs fn in one transaction on one pooled connection; retried whole on a deadlock or serialization failure. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: Client) => Promise<T>, onRetry: (code: string) => void = () => {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const c = await pool.connect();
    // A connection that dies (server restarted, backend killed) is closed, not pooled again. Its
    // 'error' event must have a listener while it is checked out, or it would crash the process;
    // the query in flight rejects on its own.
    let broken = false;
    const onError = () => {
      broken = true;
    };
    c.on('error', onError);
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {
        broken = true;
      });
      const code = (err as { code?: string }).code;
      if (code !== undefined && RETRYABLE.has(code) && attempt < ATTEMPTS) {
        onRetry(code);
        continue;
      }
      throw err;
    } finally {
      c.off('error', onError);
      c.release(broken);
    }
  }
}
