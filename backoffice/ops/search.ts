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
  // Through the settlements' and fraud cases' purse indexes, then records by txId: no scan of the journal.
  if (f.purseId !== undefined) {
    const p = purseIdOf(f.purseId);
    add('r.tx_id IN (SELECT tx_id FROM settlements WHERE purse_id = ? UNION SELECT second_tx FROM fraud_cases WHERE purse_id = ?)', p, p);
  }
  if (f.terminalId !== undefined) add('r.terminal_id = ?', idOf('terminal id', f.terminalId));
  if (f.merchantId !== undefined) {
    const m = idOf('merchant id', f.merchantId);
    // The terminals that ever served the merchant narrow the records; the chain's own merchant decides.
    // Two INs joined by OR, not one IN over a UNION: PostgreSQL then filters a newest-first walk of records_time
    // through two hashed sets (about 1 ms for 50 rows) instead of pulling the UNION up into a join it
    // estimates badly and runs in parallel workers (about 20 ms, worse under load). docs/performance.md §api.
    add('(r.terminal_id IN (SELECT terminal_id FROM terminals WHERE merchant_id = ?) OR r.terminal_id IN (SELECT terminal_id FROM retired_chains WHERE merchant_id = ?))', m, m);
    add('coalesce(rc.merchant_id, t.merchant_id) = ?', m);
  }
  if (f.accountId !== undefined) {
    const a = idOf('account id', f.accountId);
    add(
      `r.tx_id IN (SELECT x.tx_id FROM settlements x JOIN purses p ON p.purse_id = x.purse_id WHERE p.account = ?
        UNION SELECT y.second_tx FROM fraud_cases y JOIN purses q ON q.purse_id = y.purse_id WHERE q.account = ?)`,
      a,
      a,
    );
  }
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
