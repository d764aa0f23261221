// An account's statement: its postings (each with the transfer it belongs to), newest first, cursor-paged, on both ledger backends.
import { TesseraError } from '#common';
import { all } from './ops/db.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageInput } from './ops/paging.js';
import { num, str } from './ops/view.js';
import type { Ledger } from './ledger.js';

export interface StatementLine {
  /** The posting's number (ascending over time). */
  id: number;
  /** Positive: money in; negative: money out (minor units). */
  amount: number;
  /** What moved it: fund, reserve, settle, refund, return, fraud resolution… */
  kind: string;
  /** The other side of the transfer. */
  counterparty: string;
  /** What it is about (a txId, a purse id, a case id, a memo). */
  ref: string | null;
  at: number;
}

export interface AccountStatementInput extends PageInput {
  accountId: string;
  /** Unix seconds: from inclusive, to exclusive. */
  from?: number | undefined;
  to?: number | undefined;
}

export async function accountStatement(ledger: Ledger, i: AccountStatementInput): Promise<{ accountId: string; currency: string; balance: number; lines: Page<StatementLine> }> {
  const account = await ledger.getAccount(i.accountId);
  if (!account) throw new TesseraError('NOT_FOUND', `no account ${i.accountId}`);
  const limit = pageLimit(i.limit);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, p: unknown) => {
    where.push(sql);
    params.push(p);
  };
  add('p.account = ?', account.id);
  if (i.from !== undefined) add('t.created_at >= ?', i.from);
  if (i.to !== undefined) add('t.created_at < ?', i.to);
  if (i.cursor) add('p.id < ?', decodeCursor(i.cursor, ['n'])[0]);
  const sql = `SELECT p.id, p.amount, t.kind, t.debit, t.credit, t.ref, t.created_at FROM postings p JOIN transfers t ON t.id = p.transfer_id
    WHERE ${where.join(' AND ')} ORDER BY p.id DESC LIMIT ?`;
  const rows = await ledger.operations().read(function* () {
    return yield* all(sql, [...params, limit + 1]);
  });
  const lines = toPage(
    rows,
    limit,
    (r): StatementLine => ({ id: num(r, 'id'), amount: num(r, 'amount'), kind: String(r.kind), counterparty: String(r.debit === account.id ? r.credit : r.debit), ref: str(r, 'ref'), at: num(r, 'created_at') }),
    (r) => [num(r, 'id')],
  );
  return { accountId: account.id, currency: account.currency, balance: account.balance, lines };
}
