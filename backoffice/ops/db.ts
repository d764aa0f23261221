// Operator queries written once for both ledger backends: generators that yield SQL steps, driven by each backend.
//
// A step is run synchronously by the SQLite driver (inside one better-sqlite3 transaction, so no other
// code can slip a statement into it) and awaited by the PostgreSQL driver (on one pooled connection).
// SQL is portable: `?` placeholders, CAST(... AS BIGINT) sums, row values, RETURNING.
import type { Row } from '../ledger-rows.js';

export interface TransferSpec {
  kind: string;
  from: string;
  to: string;
  amount: number;
  /** What the transfer is about (a txId, a purse id, a case id). */
  ref: string;
  now: number;
  /** The client-chosen idempotency id (unique across transfers), or null. */
  idem: string | null;
}

export type Step =
  /** One statement: its rows, or `[{ changes }]` for one that returns none. */
  | { kind: 'sql'; sql: string; params: unknown[] }
  /** A double-entry transfer through the backend's own primitive (currency check, postings): `[{ id }]`. */
  | { kind: 'transfer'; transfer: TransferSpec }
  /**
   * Serialises writers on a name until the transaction ends (PostgreSQL advisory lock; SQLite's write
   * transactions are serial already). Take locks in a fixed order: by kind, then name.
   */
  | { kind: 'lock'; name: string }
  /** A select whose rows are locked until the transaction ends (PostgreSQL FOR UPDATE; SQLite's writers are serial). */
  | { kind: 'forUpdate'; sql: string; params: unknown[] }
  /** Locks accounts the transaction debits, in id order, before anything references them (PostgreSQL). */
  | { kind: 'lockAccounts'; ids: string[] };

export type Query<T> = Generator<Step, T, Row[]>;

/** Runs operator queries: `read` in one consistent snapshot, `write` in one serialised transaction. */
export interface OpsDb {
  read<T>(q: () => Query<T>): Promise<T>;
  write<T>(q: () => Query<T>): Promise<T>;
}

export function* all(sql: string, params: unknown[] = []): Query<Row[]> {
  return yield { kind: 'sql', sql, params };
}

export function* one(sql: string, params: unknown[] = []): Query<Row | undefined> {
  return (yield* all(sql, params))[0];
}

/** A statement that returns no rows; the number of rows it changed. */
export function* exec(sql: string, params: unknown[] = []): Query<number> {
  return Number((yield* all(sql, params))[0]?.changes ?? 0);
}

export function* forUpdate(sql: string, params: unknown[] = []): Query<Row | undefined> {
  return (yield { kind: 'forUpdate', sql, params })[0];
}

export function* transfer(t: TransferSpec): Query<number> {
  return Number((yield { kind: 'transfer', transfer: t })[0]?.id);
}

export function* lock(name: string): Query<void> {
  yield { kind: 'lock', name };
}

export function* lockAccounts(ids: string[]): Query<void> {
  yield { kind: 'lockAccounts', ids };
}

/** An account's balance: the sum of its postings (the same on both backends, whatever they cache). */
export function* balanceOf(account: string): Query<number> {
  return Number((yield* one('SELECT CAST(coalesce(sum(amount), 0) AS BIGINT) AS b FROM postings WHERE account = ?', [account]))?.b ?? 0);
}

/** Drives a query to its end, answering each step with `answer` (synchronous: SQLite). */
export function driveSync<T>(q: Query<T>, answer: (s: Step) => Row[]): T {
  let r = q.next();
  while (!r.done) r = q.next(answer(r.value));
  return r.value;
}

/** Drives a query to its end, awaiting each step's answer (PostgreSQL). */
export async function driveAsync<T>(q: Query<T>, answer: (s: Step) => Promise<Row[]>): Promise<T> {
  let r = q.next();
  while (!r.done) r = q.next(await answer(r.value));
  return r.value;
}
