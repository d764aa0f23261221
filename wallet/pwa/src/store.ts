// The wallet's IndexedDB: its key, purses (with their counters) and the payments it signed; a payment and its counter commit together, durably.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { TesseraError } from '../../../common/errors.js';
import type { PaymentLogEntry, WalletPurse } from '../../core.js';
import type { StoredKey } from './keys.js';

/** What the back office last said of a purse (online reconciliation); a fresh purse is 'active'. */
export type PurseState = 'active' | 'denied' | 'expired' | 'closed';

export interface PurseRecord extends WalletPurse {
  state: PurseState;
  /** Sum of this purse's payments the back office settled. */
  settled?: number;
  checkedAt?: number;
}

export interface PaymentRecord extends PaymentLogEntry {
  /** The TP1 text exactly as signed: shown again byte for byte, never re-signed. */
  text: string;
  /** Merchant payments: the certified terminal key, to verify its receipt. */
  terminalKey?: string;
  merchantId?: string;
  note?: string;
  /** Set by reconciliation: the amount the back office settled. */
  settled?: number;
  /** A verified terminal receipt for this payment. */
  receipt?: { amount: number; journalIndex: number; time: number };
}

export interface Session {
  accessToken: string;
  expiresAt: number;
  /** The API origin the token is for. */
  api: string;
}

interface Schema extends DBSchema {
  meta: { key: string; value: StoredKey | Session | string };
  purses: { key: string; value: PurseRecord };
  payments: { key: string; value: PaymentRecord; indexes: { byTime: number } };
}

export type WalletDb = IDBPDatabase<Schema>;

export const DB_NAME = 'tessera-wallet';

export async function openWalletDb(name = DB_NAME): Promise<WalletDb> {
  return openDB<Schema>(name, 1, {
    upgrade(db) {
      db.createObjectStore('meta');
      db.createObjectStore('purses', { keyPath: 'purseId' });
      db.createObjectStore('payments', { keyPath: 'txId' }).createIndex('byTime', 'time');
    },
  });
}

export async function getKey(db: WalletDb): Promise<StoredKey | undefined> {
  return (await db.get('meta', 'key')) as StoredKey | undefined;
}

/** Stores the key only if none exists (two tabs opening a new wallet at once keep the first). */
export async function putKeyOnce(db: WalletDb, key: StoredKey): Promise<StoredKey> {
  const tx = db.transaction('meta', 'readwrite', { durability: 'strict' });
  const cur = (await tx.store.get('key')) as StoredKey | undefined;
  if (!cur) await tx.store.put(key, 'key');
  await tx.done;
  return cur ?? key;
}

export async function getSession(db: WalletDb): Promise<Session | undefined> {
  return (await db.get('meta', 'session')) as Session | undefined;
}

export async function putSession(db: WalletDb, s: Session | undefined): Promise<void> {
  if (s) await db.put('meta', s, 'session');
  else await db.delete('meta', 'session');
}

export async function listPurses(db: WalletDb): Promise<PurseRecord[]> {
  return db.getAll('purses');
}

export async function addPurse(db: WalletDb, p: PurseRecord): Promise<void> {
  const tx = db.transaction('purses', 'readwrite', { durability: 'strict' });
  if (await tx.store.get(p.purseId)) throw new TesseraError('ALREADY_EXISTS', `purse ${p.purseId} is already in this wallet`);
  await tx.store.put(p);
  await tx.done;
}

/** Updates what reconciliation learnt; never touches the counters (only commitPayment moves those). */
export async function updatePurseState(db: WalletDb, purseId: string, o: { state: PurseState; settled: number; checkedAt: number }): Promise<void> {
  const tx = db.transaction('purses', 'readwrite');
  const cur = await tx.store.get(purseId);
  if (cur) await tx.store.put({ ...cur, ...o });
  await tx.done;
}

/**
 * Sets a purse's state alone and answers the record as it was, in one transaction: returning a purse
 * takes it out of use (only active purses pay) before its last sequence number is read and sent.
 */
export async function setPurseState(db: WalletDb, purseId: string, state: PurseState): Promise<PurseRecord | undefined> {
  const tx = db.transaction('purses', 'readwrite');
  const cur = await tx.store.get(purseId);
  if (cur) await tx.store.put({ ...cur, state });
  await tx.done;
  return cur;
}

/**
 * Advances a purse's counters and stores the signed payment in ONE transaction with durability
 * 'strict' (flushed to disk before it completes). Refuses (PAYMENT_BUSY) when the purse moved since
 * `fromSeq` was read, e.g. another tab paid in between: that signature is then simply never shown.
 */
export async function commitPayment(db: WalletDb, fromSeq: number, purse: WalletPurse, payment: PaymentRecord): Promise<void> {
  const tx = db.transaction(['purses', 'payments'], 'readwrite', { durability: 'strict' });
  const purses = tx.objectStore('purses');
  const cur = await purses.get(purse.purseId);
  if (!cur || cur.seq !== fromSeq) {
    tx.abort();
    await tx.done.catch(() => undefined);
    throw new TesseraError('PAYMENT_BUSY', `purse ${purse.purseId} moved on (seq ${cur?.seq} ≠ ${fromSeq}); sign again`);
  }
  await purses.put({ ...cur, seq: purse.seq, cumulative: purse.cumulative });
  await tx.objectStore('payments').put(payment);
  await tx.done;
}

export async function listPayments(db: WalletDb): Promise<PaymentRecord[]> {
  return (await db.getAllFromIndex('payments', 'byTime')).reverse();
}

export async function getPayment(db: WalletDb, txId: string): Promise<PaymentRecord | undefined> {
  return db.get('payments', txId);
}

export async function patchPayment(db: WalletDb, txId: string, patch: Partial<PaymentRecord>): Promise<void> {
  const tx = db.transaction('payments', 'readwrite');
  const cur = await tx.store.get(txId);
  if (cur) await tx.store.put({ ...cur, ...patch });
  await tx.done;
}
