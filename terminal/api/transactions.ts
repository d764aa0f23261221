// Journal rows as the API and CLI show them: JSON objects, JSON lines and CSV.
import { ADJUSTMENT, reasonFromNumber, toHex } from '#protocol';
import type { JournalRow } from '../store/index.js';

export interface TransactionJson {
  index: number;
  txId: string;
  decision: 'approved' | 'declined';
  reason: string | null;
  amount: number;
  currency: string | null;
  purseId: string | null;
  seq: number | null;
  time: string;
  timeMs: number;
  latencyMs: number | null;
  reference: string | null;
  /** A payment's decision, or a void or refund of the payment `originalTxId` (amount: what it gave back). */
  kind: 'payment' | 'void' | 'refund';
  originalTxId: string | null;
}

export function txJson(r: JournalRow): TransactionJson {
  return {
    index: r.idx,
    txId: toHex(r.txId),
    decision: r.decision === 0 ? 'approved' : 'declined',
    reason: r.decision === 0 ? null : (reasonFromNumber(r.reason) ?? String(r.reason)),
    amount: r.amount,
    currency: r.currency,
    purseId: r.purseId ? toHex(r.purseId) : null,
    seq: r.seq,
    time: new Date(r.timeMs).toISOString(),
    timeMs: r.timeMs,
    latencyMs: r.latencyUs === null ? null : r.latencyUs / 1000,
    reference: r.reference,
    kind: r.adjustment === null ? 'payment' : r.adjustment === ADJUSTMENT.void ? 'void' : 'refund',
    originalTxId: r.original ? toHex(r.original) : null,
  };
}

export const CSV_COLUMNS: (keyof TransactionJson)[] = ['index', 'time', 'txId', 'decision', 'reason', 'amount', 'currency', 'purseId', 'seq', 'reference', 'latencyMs', 'kind', 'originalTxId'];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // Quote anything a spreadsheet could misread; neutralise formula prefixes in free text.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

export function csvLine(t: TransactionJson): string {
  return `${CSV_COLUMNS.map((c) => csvCell(t[c])).join(',')}\n`;
}

export function jsonLine(t: TransactionJson): string {
  return `${JSON.stringify(t)}\n`;
}
