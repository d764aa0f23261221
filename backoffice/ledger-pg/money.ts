// PostgreSQL ledger primitives used inside a caller's transaction: accounts, transfers, purses, the deny list.
import type { Account, AccountKind, DenyList, PurseRecord } from '../ledger.js';
import { accountOf, purseOf } from '../ledger-rows.js';
import { assertSameCurrency } from '../rules/transfers.js';
import { all, exec, one, type Client } from './sql.js';

/** An account's balance is the sum of its postings: there is no balance column to drift. */
const BALANCE = `coalesce((SELECT sum(p.amount) FROM postings p WHERE p.account = a.id), 0)::bigint AS balance`;
export const ACCOUNT_SELECT = `SELECT a.*, ${BALANCE} FROM accounts a`;
const RESERVED = `coalesce((SELECT sum(p.amount) FROM postings p WHERE p.account = 'purse:' || s.purse_id), 0)::bigint AS reserved`;
export const PURSE_SELECT = `SELECT s.*, ${RESERVED} FROM purses s`;

export async function account(c: Client, id: string): Promise<Account | undefined> {
  const r = await one(c, `${ACCOUNT_SELECT} WHERE a.id = $1`, [id]);
  return r ? accountOf(r) : undefined;
}

/**
 * Locks the accounts a transaction debits, in id order, before anything references them: an insert
 * whose foreign key points at a row takes a share lock on it first, and taking the update lock after
 * that deadlocks hot accounts. NO KEY UPDATE does not conflict with those key-share locks, so
 * credits to the same account (a busy merchant) never wait on it.
 */
export async function lockAccounts(c: Client, ids: string[]): Promise<void> {
  await exec(c, 'SELECT id FROM accounts WHERE id = ANY($1) ORDER BY id COLLATE "C" FOR NO KEY UPDATE', [[...new Set(ids)]]);
}

export async function ensureAccount(
  c: Client,
  id: string,
  kind: AccountKind,
  currency: string,
  now: number,
  name: string | null = null,
  merchantId: string | null = null,
): Promise<boolean> {
  const r = await exec(c, 'INSERT INTO accounts (id, kind, name, currency, created_at, merchant_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING', [
    id,
    kind,
    name,
    currency,
    now,
    merchantId,
  ]);
  return (r.rowCount ?? 0) > 0;
}

/** One double-entry transfer: a debit and a credit posting that sum to zero. */
export async function transfer(c: Client, kind: string, from: string, to: string, amount: number, ref: string, now: number, idem: string | null = null): Promise<number> {
  assertSameCurrency(from, to, (await all(c, 'SELECT id, currency FROM accounts WHERE id = ANY($1)', [[from, to]])) as { id: string; currency: string }[]);
  const t = await one(c, 'INSERT INTO transfers (kind, debit, credit, amount, ref, created_at, idem) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id', [kind, from, to, amount, ref, now, idem]);
  const id = t?.id as number;
  await exec(c, 'INSERT INTO postings (transfer_id, account, amount) VALUES ($1, $2, $3), ($1, $4, $5)', [id, from, -amount, to, amount]);
  return id;
}

export async function purse(c: Client, id: string): Promise<PurseRecord | undefined> {
  const r = await one(c, `${PURSE_SELECT} WHERE s.purse_id = $1`, [id]);
  return r ? purseOf(r) : undefined;
}

export async function readDenyList(c: Client): Promise<DenyList> {
  const version = ((await one(c, "SELECT version FROM versions WHERE series = 'denylist'"))?.version as number | undefined) ?? 0;
  const ids = (await all(c, 'SELECT purse_id FROM denylist ORDER BY purse_id COLLATE "C"')).map((r) => r.purse_id as string);
  const unpublished = (await one(c, 'SELECT count(*) AS n FROM denylist WHERE version > $1', [version]))?.n as number;
  return { version, purseIds: ids, unpublished };
}

/**
 * Adds a purse to the deny list inside the caller's transaction. The deny-list version row is locked
 * first, so a list being signed (nextDenyList) either carries this purse or has a lower version.
 */
export async function denyInTx(c: Client, purseId: string, reason: string, now: number): Promise<boolean> {
  const v = (await one(c, "SELECT version FROM versions WHERE series = 'denylist' FOR UPDATE"))?.version as number;
  const r = await exec(c, 'INSERT INTO denylist (purse_id, reason, version, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT (purse_id) DO NOTHING', [purseId, reason, v + 1, now]);
  return (r.rowCount ?? 0) > 0;
}

export async function bumpVersion(c: Client, series: string): Promise<number> {
  const r = await one(c, 'INSERT INTO versions (series, version) VALUES ($1, 1) ON CONFLICT (series) DO UPDATE SET version = versions.version + 1 RETURNING version', [series]);
  return r?.version as number;
}
