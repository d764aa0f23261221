// SQLite ledger primitives used inside a write transaction: accounts (balance = sum of postings), transfers, purses, the deny list.
import type Database from 'better-sqlite3';
import type { Account, AccountKind, DenyList, PurseRecord } from './ledger.js';
import { accountOf, purseOf, type Row } from './ledger-rows.js';
import { assertSameCurrency } from './rules/transfers.js';

/** A statement prepared once per SQL text (clearing runs the same few thousands of times). */
export type Prepare = (text: string) => Database.Statement;

/**
 * Balances are not stored: an account's balance is the sum of its postings, read through the
 * (account, amount) index without touching the table, so it cannot drift from them.
 */
const BALANCE = 'coalesce((SELECT sum(p.amount) FROM postings p WHERE p.account = a.id), 0) AS balance';
export const ACCOUNT_SELECT = `SELECT a.*, ${BALANCE} FROM accounts a`;
const RESERVED = "coalesce((SELECT sum(x.amount) FROM postings x WHERE x.account = 'purse:' || p.purse_id), 0) AS reserved";
export const PURSE_SELECT = `SELECT p.*, ${RESERVED} FROM purses p`;

export function account(sql: Prepare, id: string): Account | undefined {
  const r = sql(`${ACCOUNT_SELECT} WHERE a.id = ?`).get(id) as Row | undefined;
  return r ? accountOf(r) : undefined;
}

/** Inserts the account unless it exists; a merchant's account carries its merchant id in a column of its own. */
export function ensureAccount(sql: Prepare, id: string, kind: AccountKind, currency: string, now: number, name: string | null = null, merchantId: string | null = null): void {
  sql('INSERT OR IGNORE INTO accounts (id, kind, name, currency, created_at, merchant_id) VALUES (?, ?, ?, ?, ?, ?)').run(id, kind, name, currency, now, merchantId);
}

/** One double-entry transfer whose currencies the caller checked: a debit and a credit posting that sum to zero. */
export function postTransfer(sql: Prepare, kind: string, from: string, to: string, amount: number, ref: string, now: number, idem: string | null = null): number {
  const id = Number(sql('INSERT INTO transfers (kind, debit, credit, amount, ref, created_at, idem) VALUES (?, ?, ?, ?, ?, ?, ?)').run(kind, from, to, amount, ref, now, idem).lastInsertRowid);
  const post = sql('INSERT INTO postings (transfer_id, account, amount) VALUES (?, ?, ?)');
  post.run(id, from, -amount);
  post.run(id, to, amount);
  return id;
}

/** One double-entry transfer, refused when its two accounts hold different currencies. */
export function transfer(sql: Prepare, kind: string, from: string, to: string, amount: number, ref: string, now: number, idem: string | null = null): number {
  assertSameCurrency(from, to, sql('SELECT id, currency FROM accounts WHERE id IN (?, ?)').all(from, to) as { id: string; currency: string }[]);
  return postTransfer(sql, kind, from, to, amount, ref, now, idem);
}

export function purse(sql: Prepare, id: string): PurseRecord | undefined {
  const r = sql(`${PURSE_SELECT} WHERE p.purse_id = ?`).get(id) as Row | undefined;
  return r ? purseOf(r) : undefined;
}

/** The highest deny-list version allocated so far (0: none yet). */
const denyVersion = (sql: Prepare): number => ((sql("SELECT version FROM versions WHERE series = 'denylist'").get() as Row | undefined)?.version as number | undefined) ?? 0;

export function readDenyList(sql: Prepare): DenyList {
  const version = denyVersion(sql);
  const ids = (sql('SELECT purse_id FROM denylist ORDER BY purse_id').all() as Row[]).map((r) => r.purse_id as string);
  const unpublished = (sql('SELECT count(*) AS n FROM denylist WHERE version > ?').get(version) as Row).n as number;
  return { version, purseIds: ids, unpublished };
}

/** Adds a purse to the deny list; false when it is there already. */
export function denyInTx(sql: Prepare, purseId: string, reason: string, now: number): boolean {
  if (sql('SELECT 1 FROM denylist WHERE purse_id = ?').get(purseId)) return false;
  // The first version that will carry it: versions are allocated when a list is signed (nextDenyList).
  const version = denyVersion(sql) + 1;
  sql('INSERT INTO denylist (purse_id, reason, version, added_at) VALUES (?, ?, ?, ?)').run(purseId, reason, version, now);
  return true;
}

export function bumpVersion(sql: Prepare, series: string): number {
  sql('INSERT INTO versions (series, version) VALUES (?, 1) ON CONFLICT (series) DO UPDATE SET version = version + 1').run(series);
  return (sql('SELECT version FROM versions WHERE series = ?').get(series) as Row).version as number;
}
