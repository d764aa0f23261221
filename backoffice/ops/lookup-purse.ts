// Look up a purse: state, cap, spent, reserved, deny-list entry, early closure, fraud cases, and its settled payments (keyset-paged).
import { TesseraError } from '#common';
import type { Ledger } from '../ledger.js';
import { all } from './db.js';
import { purseIdOf } from './ids.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageInput } from './paging.js';
import { purseView, type PurseView } from './purse-rows.js';
import { money, num, type Money } from './view.js';

export interface PursePayment {
  txId: string;
  seq: number;
  amount: Money;
  terminalId: string;
  merchantId: string;
  settledAt: number;
}

export interface PurseLookup {
  purse: PurseView;
  /** Fraud cases opened against the purse (ids, newest first). */
  fraudCases: number[];
  /** Its settled payments, newest (highest sequence) first. */
  payments: Page<PursePayment>;
}

export interface LookupPurseInput extends PageInput {
  purseId: string;
  /** A customer's view: the purse must draw on this account (NOT_FOUND otherwise). */
  accountId?: string | undefined;
}

export async function lookupPurse(ledger: Ledger, i: LookupPurseInput): Promise<PurseLookup> {
  const purseId = purseIdOf(i.purseId);
  const limit = pageLimit(i.limit);
  const below = i.cursor ? (decodeCursor(i.cursor, ['n'])[0] as number) : Number.MAX_SAFE_INTEGER;
  const r = await ledger.operations().read(function* () {
    return {
      purse: yield* purseView(purseId),
      fraud: yield* all('SELECT id FROM fraud_cases WHERE purse_id = ? ORDER BY id DESC', [purseId]),
      payments: yield* all('SELECT tx_id, seq, amount, terminal_id, merchant_id, settled_at FROM settlements WHERE purse_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?', [purseId, below, limit + 1]),
    };
  });
  if (!r.purse || (i.accountId !== undefined && r.purse.account !== i.accountId)) throw new TesseraError('NOT_FOUND', `no purse ${purseId}`);
  const currency = r.purse.cap.currency;
  const payments = toPage(
    r.payments,
    limit,
    (p): PursePayment => ({ txId: p.tx_id as string, seq: num(p, 'seq'), amount: money(num(p, 'amount'), currency), terminalId: p.terminal_id as string, merchantId: p.merchant_id as string, settledAt: num(p, 'settled_at') }),
    (p) => [num(p, 'seq')],
  );
  return { purse: r.purse, fraudCases: r.fraud.map((f) => num(f, 'id')), payments };
}
