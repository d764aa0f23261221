// Look up one transaction by txId: its journal records (decoded, re-verified), the payment, the settlement, refunds, fraud cases, sealed details.
import { TesseraError } from '#common';
import { verifyJournalRecord, type TrustStore } from '#protocol';
import { ClearingEngine } from '../clearing.js';
import type { ChainRecord, EntryVerdict, Ledger } from '../ledger.js';
import { u8 } from '../ledger-rows.js';
import { all, one } from './db.js';
import { txIdOf } from './ids.js';
import { refundsOf, type RefundView } from './refund-rows.js';
import { sealedOf, type SealedView } from './sealed.js';
import { TX_SELECT, summaryOf, type TransactionSummary } from './tx-rows.js';
import { ledgerCurrency, money, num, paymentView, recordOf, type Money, type PaymentView, type RecordView } from './view.js';

export interface LookupTransactionInput {
  txId: string;
  /** Re-verify each record and its payment under this trust list (the back office's, with retired keys). */
  trust?: TrustStore | undefined;
  /** A merchant's view: the transaction must be one of this merchant's (NOT_FOUND otherwise, as for an unknown txId). */
  merchantId?: string | undefined;
  /** Judge the payment as of this time (Unix seconds); by default as of when clearing recorded the record. */
  now?: number | undefined;
  /** A customer's view: the payment must be from a purse of this account (NOT_FOUND otherwise). */
  accountId?: string | undefined;
  /** Include the opened sealed details (operators, and the customer whose payment it is). */
  showSealed?: boolean | undefined;
}

export interface Verification {
  /** The record's signature under its chain's key: 'ok', or why not. */
  record: string;
  /** What re-verifying the payment concludes (as of when clearing recorded it, or the caller's `now`). */
  payment: EntryVerdict | null;
}

export interface TransactionRecord extends TransactionSummary {
  record: Omit<RecordView, 'payment'> & { bytes: string };
  verification: Verification | null;
}

export interface TransactionView {
  txId: string;
  merchantId: string | null;
  /** Decoded from the first record (every record of a txId carries the same payment). */
  payment: PaymentView | { error: string; bytes: string } | null;
  records: TransactionRecord[];
  settlement: { purseId: string; seq: number; amount: Money; terminalId: string; merchantId: string; chain: number; index: number; settledAt: number } | null;
  refunds: RefundView[];
  refunded: Money;
  fraudCases: number[];
  /** Opened sealed details; 'hidden' when the caller may not see them, null when there are none. */
  sealed: SealedView | 'hidden' | null;
}

function verify(ledger: Ledger, trust: TrustStore, chain: ChainRecord | undefined, bytes: Uint8Array, recordedAt: number): Verification {
  if (!chain) return { record: 'the chain of this record is unknown', payment: null };
  const v = verifyJournalRecord(bytes, { terminalPublicKey: chain.publicKey, terminalId: chain.terminalId, trust });
  if (!v.ok) return { record: `${v.reason}: ${v.detail}`, payment: null };
  const t = { ...chain, displayName: '', notAfter: 0, operatorId: null, line: null };
  return { record: 'ok', payment: new ClearingEngine(ledger, trust).verdict(t, v.value.value, recordedAt) };
}

/** A record's payment as shown; an adjustment record carries none. */
const paymentOfRecord = (bytes: Uint8Array | undefined): TransactionView['payment'] => (bytes ? paymentView(bytes) : null);

export async function lookupTransaction(ledger: Ledger, i: LookupTransactionInput): Promise<TransactionView> {
  const txId = txIdOf(i.txId);
  const data = await ledger.operations().read(function* () {
    return {
      rows: yield* all(`${TX_SELECT} WHERE r.tx_id = ? ORDER BY r.time, r.terminal_id, r.chain, r.idx`, [txId]),
      bytes: yield* all('SELECT terminal_id, chain, idx, record FROM records WHERE tx_id = ?', [txId]),
      settlement: yield* one('SELECT * FROM settlements WHERE tx_id = ?', [txId]),
      fraud: yield* all('SELECT id FROM fraud_cases WHERE first_tx = ? OR second_tx = ? ORDER BY id', [txId, txId]),
      refunds: yield* refundsOf(txId),
      sealed: yield* sealedOf(txId),
      account: yield* one(
        'SELECT p.account FROM purses p WHERE p.purse_id = (SELECT coalesce(s.purse_id, f.purse_id) FROM records r LEFT JOIN settlements s ON s.tx_id = r.tx_id LEFT JOIN fraud_cases f ON f.second_tx = r.tx_id WHERE r.tx_id = ? LIMIT 1)',
        [txId],
      ),
      currency: yield* ledgerCurrency(),
    };
  });
  const merchantId = (data.settlement?.merchant_id as string | undefined) ?? (data.rows[0]?.merchant_id as string | undefined) ?? null;
  const theirs = (i.merchantId === undefined || merchantId === i.merchantId) && (i.accountId === undefined || data.account?.account === i.accountId);
  if (data.rows.length === 0 || !theirs) throw new TesseraError('NOT_FOUND', `no transaction ${txId}`);
  const chains = new Map<string, ChainRecord>();
  for (const id of new Set(data.rows.map((r) => r.terminal_id as string))) for (const c of await ledger.chains(id)) chains.set(`${id}/${c.chain}`, c);
  const records = data.rows.map((r): TransactionRecord => {
    const stored = data.bytes.find((b) => b.terminal_id === r.terminal_id && num(b, 'chain') === num(r, 'chain') && num(b, 'idx') === num(r, 'idx'));
    const bytes = u8(stored?.record);
    const { payment: _payment, ...rec } = recordOf(bytes);
    const chain = chains.get(`${String(r.terminal_id)}/${num(r, 'chain')}`);
    return { ...summaryOf(r, data.currency), record: { ...rec, bytes: Buffer.from(bytes).toString('hex') }, verification: i.trust ? verify(ledger, i.trust, chain, bytes, i.now ?? num(r, 'processed_at')) : null };
  });
  const first = data.bytes[0];
  const s = data.settlement;
  const refunded = data.refunds.reduce((n, r) => n + r.amount.amount, 0);
  return {
    txId,
    merchantId,
    payment: paymentOfRecord(first ? recordOf(u8(first.record)).payment : undefined),
    records,
    settlement: s
      ? {
          purseId: s.purse_id as string,
          seq: num(s, 'seq'),
          amount: money(num(s, 'amount'), data.currency),
          terminalId: s.terminal_id as string,
          merchantId: s.merchant_id as string,
          chain: num(s, 'chain'),
          index: num(s, 'idx'),
          settledAt: num(s, 'settled_at'),
        }
      : null,
    refunds: data.refunds,
    refunded: money(refunded, data.currency),
    fraudCases: data.fraud.map((r) => num(r, 'id')),
    sealed: data.sealed === null ? null : i.showSealed ? data.sealed : 'hidden',
  };
}
