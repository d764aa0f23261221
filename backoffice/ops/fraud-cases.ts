// Fraud case look-up (with both signed payments as evidence) and the list of cases, open or resolved, keyset-paged.
import { TesseraError } from '#common';
import type { Ledger } from '../ledger.js';
import { all } from './db.js';
import { caseOf, caseRow, evidenceOf, CASE_SELECT, type FraudCaseView, type FraudEvidence } from './fraud-rows.js';
import { idOf, purseIdOf } from './ids.js';
import { Where } from './where.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageInput } from './paging.js';
import { ledgerCurrency, num } from './view.js';

export function caseIdOf(id: number | string): number {
  const n = typeof id === 'number' ? id : /^\d+$/.test(id) ? Number(id) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new TesseraError('USAGE', `fraud case id must be a positive integer, got ${String(id)}`);
  return n;
}

export async function lookupFraudCase(ledger: Ledger, i: { caseId: number | string; merchantId?: string | undefined }): Promise<FraudCaseView & { evidence: FraudEvidence }> {
  const id = caseIdOf(i.caseId);
  const { row, currency } = await ledger.operations().read(function* () {
    return { row: yield* caseRow(id), currency: yield* ledgerCurrency() };
  });
  if (!row || (i.merchantId !== undefined && row.merchant_id !== i.merchantId)) throw new TesseraError('NOT_FOUND', `no fraud case ${id}`);
  return { ...caseOf(row, currency), evidence: evidenceOf(row) };
}

export interface FraudCaseFilter extends PageInput {
  status?: 'open' | 'resolved' | undefined;
  purseId?: string | undefined;
  terminalId?: string | undefined;
  merchantId?: string | undefined;
}

/** Newest first. */
export async function listFraudCases(ledger: Ledger, f: FraudCaseFilter = {}): Promise<Page<FraudCaseView>> {
  const limit = pageLimit(f.limit);
  const w = new Where();
  const add = (sql: string, ...p: unknown[]) => w.add(sql, ...p);
  if (f.status !== undefined) {
    if (f.status !== 'open' && f.status !== 'resolved') throw new TesseraError('USAGE', `status must be open or resolved, got ${String(f.status)}`);
    add(f.status === 'open' ? 'x.case_id IS NULL' : 'x.case_id IS NOT NULL');
  }
  if (f.purseId !== undefined) add('f.purse_id = ?', purseIdOf(f.purseId));
  if (f.terminalId !== undefined) add('f.terminal_id = ?', idOf('terminal id', f.terminalId));
  if (f.merchantId !== undefined) add('coalesce(rc.merchant_id, t.merchant_id) = ?', idOf('merchant id', f.merchantId));
  if (f.cursor) add('f.id < ?', decodeCursor(f.cursor, ['n'])[0]);
  const sql = `${CASE_SELECT} ${String(w)} ORDER BY f.id DESC LIMIT ?`;
  const { rows, currency } = await ledger.operations().read(function* () {
    return { rows: yield* all(sql, [...w.params, limit + 1]), currency: yield* ledgerCurrency() };
  });
  return toPage(rows, limit, (r) => caseOf(r, currency), (r) => [num(r, 'id')]);
}
