// Transaction search: journal records filtered by txId, purse, terminal, merchant, status and time, newest first, keyset-paged.
import { TesseraError } from '#common';
import { ACK_STATUS } from '#protocol';
import type { Ledger } from '../ledger.js';
import { all } from './db.js';
import { idOf, purseIdOf, txIdOf } from './ids.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageInput } from './paging.js';
import { Where } from './where.js';
import { TX_SELECT, summaryOf, type TransactionSummary } from './tx-rows.js';
import { ledgerCurrency, num } from './view.js';

export interface TransactionFilter extends PageInput {
  txId?: string | undefined;
  purseId?: string | undefined;
  terminalId?: string | undefined;
  merchantId?: string | undefined;
  /** A customer's payments: from the purses of this account. */
  accountId?: string | undefined;
  status?: string | undefined;
  /** Terminal time, seconds: from inclusive, to exclusive. */
  from?: number | undefined;
  to?: number | undefined;
}

/** Newest first by terminal time; ties by terminal, chain and index. */
export async function searchTransactions(ledger: Ledger, f: TransactionFilter): Promise<Page<TransactionSummary>> {
  const limit = pageLimit(f.limit);
  const w = new Where();
  const add = (sql: string, ...p: unknown[]) => w.add(sql, ...p);
  if (f.txId !== undefined) add('r.tx_id = ?', txIdOf(f.txId));
  if (f.purseId !== undefined) add('coalesce(s.purse_id, f.purse_id) = ?', purseIdOf(f.purseId));
  if (f.terminalId !== undefined) add('r.terminal_id = ?', idOf('terminal id', f.terminalId));
  if (f.merchantId !== undefined) add('coalesce(rc.merchant_id, t.merchant_id) = ?', idOf('merchant id', f.merchantId));
  if (f.accountId !== undefined) add('coalesce(s.purse_id, f.purse_id) IN (SELECT purse_id FROM purses WHERE account = ?)', idOf('account id', f.accountId));
  if (f.status !== undefined) {
    if (!Object.hasOwn(ACK_STATUS, f.status)) throw new TesseraError('USAGE', `status must be one of ${Object.keys(ACK_STATUS).join(', ')}`);
    add('r.status = ?', f.status);
  }
  for (const [name, v] of [['from', f.from], ['to', f.to]] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw new TesseraError('USAGE', `${name} must be Unix seconds, got ${v}`);
  }
  if (f.from !== undefined) add('r.time >= ?', f.from);
  if (f.to !== undefined) add('r.time < ?', f.to);
  if (f.cursor) add('(r.time, r.terminal_id, r.chain, r.idx) < (?, ?, ?, ?)', ...decodeCursor(f.cursor, ['n', 's', 'n', 'n']));
  const sql = `${TX_SELECT} ${String(w)} ORDER BY r.time DESC, r.terminal_id DESC, r.chain DESC, r.idx DESC LIMIT ?`;
  const { rows, currency } = await ledger.operations().read(function* () {
    return { rows: yield* all(sql, [...w.params, limit + 1]), currency: yield* ledgerCurrency() };
  });
  return toPage(rows, limit, (r) => summaryOf(r, currency), (r) => [num(r, 'time'), r.terminal_id as string, num(r, 'chain'), num(r, 'idx')]);
}
