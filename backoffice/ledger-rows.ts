// Row mappers shared by the ledger backends (SQLite and PostgreSQL use the same column names).
import { fromHex, toHex } from '#protocol';
import type { Account, AccountKind, ChainRecord, FraudCase, FraudKind, JournalEntry, PurseRecord, Settlement, TerminalRecord } from './ledger.js';
import type { PriorSettlement } from './rules/clearing-rules.js';

export type Row = Record<string, unknown>;
export const ZERO_HASH = new Uint8Array(32);

export const u8 = (b: unknown): Uint8Array => new Uint8Array(b as Buffer);

export function accountOf(r: Row): Account {
  return {
    id: r.id as string,
    kind: r.kind as AccountKind,
    name: (r.name as string | null) ?? null,
    currency: r.currency as string,
    balance: r.balance as number,
    createdAt: r.created_at as number,
  };
}

/** The columns a terminals row and a retired_chains row share: whose chain, its key, its head. */
export function chainFields(r: Row): Omit<ChainRecord, 'retiredAt'> {
  return {
    terminalId: r.terminal_id as string,
    chain: r.chain as number,
    merchantId: r.merchant_id as string,
    mode: r.mode as 'merchant' | 'transit',
    publicKey: u8(r.public_key),
    cert: r.cert as string,
    lastIndex: r.last_index as number,
    lastHash: u8(r.last_hash),
  };
}

export function terminalOf(r: Row): TerminalRecord {
  return {
    ...chainFields(r),
    displayName: r.display_name as string,
    notAfter: r.not_after as number,
    operatorId: (r.operator_id as string | null) ?? null,
    line: (r.line as string | null) ?? null,
  };
}

export const priorOf = (r: Row): PriorSettlement => ({
  txId: r.tx_id as string,
  purseId: r.purse_id as string,
  seq: r.seq as number,
  cumulative: r.cumulative as number,
  authorised: r.authorised as number,
  terminalId: r.terminal_id as string,
  chain: r.chain as number,
  index: r.idx as number,
  payment: u8(r.payment),
});

export const chainOf = (r: Row, retiredAt: number | null): ChainRecord => ({ ...chainFields(r), retiredAt });

export function purseOf(r: Row): PurseRecord {
  return {
    purseId: r.purse_id as string,
    account: r.account as string,
    currency: r.currency as string,
    cap: r.cap as number,
    perPaymentLimit: r.per_payment_limit as number,
    walletKey: r.wallet_key as string,
    notBefore: r.not_before as number,
    notAfter: r.not_after as number,
    cert: r.cert as string,
    status: r.status as 'active' | 'closed',
    spent: r.spent as number,
    reserved: (r.reserved as number | null) ?? 0,
  };
}

// Held entries wait in JSON, bytes as hex.
export function entryToJson(e: JournalEntry): string {
  return JSON.stringify({ ...e, prevHash: toHex(e.prevHash), hash: toHex(e.hash), record: toHex(e.record), payment: toHex(e.payment) });
}
export function entryFromJson(s: string): JournalEntry {
  const o = JSON.parse(s) as Record<string, unknown>;
  return {
    ...(o as unknown as JournalEntry),
    prevHash: fromHex(o.prevHash as string),
    hash: fromHex(o.hash as string),
    record: fromHex(o.record as string),
    payment: fromHex(o.payment as string),
  };
}

export const settlementOf = (r: Row): Settlement => ({
  txId: r.tx_id as string,
  purseId: r.purse_id as string,
  seq: r.seq as number,
  amount: r.amount as number,
  terminalId: r.terminal_id as string,
  merchantId: r.merchant_id as string,
  index: r.idx as number,
  settledAt: r.settled_at as number,
});

export const fraudCaseOf = (r: Row): FraudCase => ({
  id: r.id as number,
  purseId: r.purse_id as string,
  kind: r.kind as FraudKind,
  detail: r.detail as string,
  firstTxId: (r.first_tx as string | null) ?? null,
  secondTxId: r.second_tx as string,
  firstPayment: r.first_payment ? toHex(u8(r.first_payment)) : null,
  secondPayment: toHex(u8(r.second_payment)),
  terminalId: r.terminal_id as string,
  index: r.idx as number,
  amount: r.amount as number,
  openedAt: r.opened_at as number,
});

/**
 * The settlements of purse ?1 the clearing rules need for sequence ?2 (rules/clearing-rules.ts,
 * ClearingFacts.prior): the same sequence, the nearest below and above, and the highest. Four
 * index look-ups on (purse_id, seq), whatever the purse's history. Parameters: purse, seq, purse,
 * seq, purse, seq, purse. Rows may repeat (the highest is often the nearest above).
 */
export const PRIOR_SETTLEMENTS_SQL = `
SELECT * FROM (SELECT * FROM settlements WHERE purse_id = ? AND seq = ?) AS same_seq
UNION ALL SELECT * FROM (SELECT * FROM settlements WHERE purse_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1) AS below
UNION ALL SELECT * FROM (SELECT * FROM settlements WHERE purse_id = ? AND seq > ? ORDER BY seq LIMIT 1) AS above
UNION ALL SELECT * FROM (SELECT * FROM settlements WHERE purse_id = ? ORDER BY seq DESC LIMIT 1) AS highest`;
export const priorParams = (purseId: string, seq: number): unknown[] => [purseId, seq, purseId, seq, purseId, seq, purseId];
