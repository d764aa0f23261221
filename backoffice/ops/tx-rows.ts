// Journal records as transactions: one SQL select (with the settlement, fraud case and merchant of each record) both backends run.
import type { AckStatus } from '#protocol';
import type { Row } from '../ledger-rows.js';
import { money, num, str, type Money } from './view.js';

/**
 * Every journal record with what clearing made of it. The merchant is the one its chain's
 * certificate named (a re-enrolled terminal's old chain keeps its merchant); the purse and amount
 * come from the settlement or the fraud case (a declined or rejected record has neither).
 */
export const TX_SELECT = `
SELECT r.terminal_id, r.chain, r.idx, r.tx_id, r.status, r.reason, r.time, r.processed_at,
  coalesce(s.purse_id, f.purse_id) AS purse_id, coalesce(s.amount, f.amount) AS amount,
  coalesce(rc.merchant_id, t.merchant_id) AS merchant_id, f.id AS fraud_case
FROM records r
LEFT JOIN settlements s ON s.tx_id = r.tx_id AND s.terminal_id = r.terminal_id AND s.chain = r.chain AND s.idx = r.idx
LEFT JOIN fraud_cases f ON f.second_tx = r.tx_id AND f.terminal_id = r.terminal_id AND f.idx = r.idx
LEFT JOIN terminals t ON t.terminal_id = r.terminal_id
LEFT JOIN retired_chains rc ON rc.terminal_id = r.terminal_id AND rc.chain = r.chain`;

/** One journal record as a transaction in a list. */
export interface TransactionSummary {
  txId: string;
  terminalId: string;
  chain: number;
  index: number;
  merchantId: string | null;
  /** settled, duplicate, declined, fraud or rejected: what clearing concluded. */
  status: AckStatus;
  reason: string | null;
  purseId: string | null;
  /** What was settled (or, for fraud, what the terminal charged); null when nothing was. */
  amount: Money | null;
  fraudCase: number | null;
  /** Terminal time of the payment. */
  time: number;
  processedAt: number;
}

export function summaryOf(r: Row, currency: string): TransactionSummary {
  return {
    txId: r.tx_id as string,
    terminalId: r.terminal_id as string,
    chain: num(r, 'chain'),
    index: num(r, 'idx'),
    merchantId: str(r, 'merchant_id'),
    status: r.status as AckStatus,
    reason: str(r, 'reason'),
    purseId: str(r, 'purse_id'),
    amount: r.amount === null || r.amount === undefined ? null : money(num(r, 'amount'), currency),
    fraudCase: r.fraud_case === null || r.fraud_case === undefined ? null : num(r, 'fraud_case'),
    time: num(r, 'time'),
    processedAt: num(r, 'processed_at'),
  };
}
