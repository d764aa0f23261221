// Keyset-paged lists the API and dashboard page through: purses, terminals, and one account's postings (its statement).
import { TesseraError } from '#common';
import type { Ledger } from '../ledger.js';
import { all, balanceOf, one } from './db.js';
import { idOf } from './ids.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageInput } from './paging.js';
import { Where } from './where.js';
import { ledgerCurrency, money, num, str, type Money } from './view.js';

export interface PurseSummary {
  purseId: string;
  account: string;
  status: 'active' | 'closed';
  cap: Money;
  spent: Money;
  reserved: Money;
  notAfter: number;
  denied: boolean;
  createdAt: number;
}

/** Newest first; `accountId` for one customer's purses. */
export async function listPurses(ledger: Ledger, f: PageInput & { accountId?: string | undefined; status?: 'active' | 'closed' | undefined } = {}): Promise<Page<PurseSummary>> {
  const limit = pageLimit(f.limit);
  const w = new Where();
  if (f.accountId !== undefined) w.add('p.account = ?', idOf('account id', f.accountId));
  if (f.status !== undefined) {
    if (f.status !== 'active' && f.status !== 'closed') throw new TesseraError('USAGE', `status must be active or closed, got ${String(f.status)}`);
    w.add('p.status = ?', f.status);
  }
  if (f.cursor) w.add('(p.created_at, p.purse_id) < (?, ?)', ...decodeCursor(f.cursor, ['n', 's']));
  const sql = `SELECT p.*, (SELECT CAST(coalesce(sum(x.amount), 0) AS BIGINT) FROM postings x WHERE x.account = 'purse:' || p.purse_id) AS reserved,
    (SELECT count(*) FROM denylist d WHERE d.purse_id = p.purse_id) AS denied
    FROM purses p ${String(w)} ORDER BY p.created_at DESC, p.purse_id DESC LIMIT ?`;
  const rows = await ledger.operations().read(() => all(sql, [...w.params, limit + 1]));
  return toPage(
    rows,
    limit,
    (r): PurseSummary => {
      const m = (k: string) => money(num(r, k), r.currency as string);
      return { purseId: r.purse_id as string, account: r.account as string, status: r.status as 'active' | 'closed', cap: m('cap'), spent: m('spent'), reserved: m('reserved'), notAfter: num(r, 'not_after'), denied: num(r, 'denied') > 0, createdAt: num(r, 'created_at') };
    },
    (r) => [num(r, 'created_at'), r.purse_id as string],
  );
}

export interface TerminalSummary {
  terminalId: string;
  merchantId: string;
  displayName: string;
  mode: 'merchant' | 'transit';
  notAfter: number;
  operatorId: string | null;
  line: string | null;
  chain: number;
  lastIndex: number;
}

/** By terminal id; `merchantId` for one merchant's terminals. */
export async function listTerminals(ledger: Ledger, f: PageInput & { merchantId?: string | undefined } = {}): Promise<Page<TerminalSummary>> {
  const limit = pageLimit(f.limit);
  const w = new Where();
  if (f.merchantId !== undefined) w.add('merchant_id = ?', idOf('merchant id', f.merchantId));
  if (f.cursor) w.add('terminal_id > ?', decodeCursor(f.cursor, ['s'])[0]);
  const rows = await ledger.operations().read(() => all(`SELECT * FROM terminals ${String(w)} ORDER BY terminal_id LIMIT ?`, [...w.params, limit + 1]));
  return toPage(
    rows,
    limit,
    (r): TerminalSummary => ({
      terminalId: r.terminal_id as string,
      merchantId: r.merchant_id as string,
      displayName: r.display_name as string,
      mode: r.mode as 'merchant' | 'transit',
      notAfter: num(r, 'not_after'),
      operatorId: str(r, 'operator_id'),
      line: str(r, 'line'),
      chain: num(r, 'chain'),
      lastIndex: num(r, 'last_index'),
    }),
    (r) => [r.terminal_id as string],
  );
}

export interface PostingLine {
  postingId: number;
  transferId: number;
  /** fund, reserve, settle, expire, close, refund, fraud-…: what moved the money. */
  kind: string;
  /** What the transfer is about (a txId, a purse id, a case id, a memo). */
  ref: string | null;
  /** The other side of the transfer. */
  counterparty: string;
  /** Signed: positive in, negative out. */
  amount: Money;
  at: number;
}

/** An account's balance and its postings, newest first (`from`/`to`: transfer time, Unix seconds). */
export async function accountStatement(
  ledger: Ledger,
  f: PageInput & { accountId: string; from?: number | undefined; to?: number | undefined },
): Promise<{ accountId: string; kind: string; balance: Money; postings: Page<PostingLine> }> {
  const limit = pageLimit(f.limit);
  const id = f.accountId;
  const w = new Where();
  w.add('p.account = ?', id);
  if (f.from !== undefined) w.add('t.created_at >= ?', f.from);
  if (f.to !== undefined) w.add('t.created_at < ?', f.to);
  if (f.cursor) w.add('p.id < ?', decodeCursor(f.cursor, ['n'])[0]);
  const r = await ledger.operations().read(function* () {
    return {
      account: yield* one('SELECT kind, currency FROM accounts WHERE id = ?', [id]),
      balance: yield* balanceOf(id),
      rows: yield* all(`SELECT p.id, p.amount, t.id AS transfer_id, t.kind, t.ref, t.debit, t.credit, t.created_at FROM postings p JOIN transfers t ON t.id = p.transfer_id ${String(w)} ORDER BY p.id DESC LIMIT ?`, [
        ...w.params,
        limit + 1,
      ]),
      currency: yield* ledgerCurrency(),
    };
  });
  if (!r.account) throw new TesseraError('NOT_FOUND', `no account ${id}`);
  const c = (r.account.currency as string | undefined) ?? r.currency;
  const postings = toPage(
    r.rows,
    limit,
    (p): PostingLine => ({
      postingId: num(p, 'id'),
      transferId: num(p, 'transfer_id'),
      kind: p.kind as string,
      ref: str(p, 'ref'),
      counterparty: (p.debit === id ? p.credit : p.debit) as string,
      amount: money(num(p, 'amount'), c),
      at: num(p, 'created_at'),
    }),
    (p) => [num(p, 'id')],
  );
  return { accountId: id, kind: r.account.kind as string, balance: money(r.balance, c), postings };
}
