// Sealed payment details (docs/protocol.md §4.11): opened with the issuer's sealed key and kept with the settlement.
import { decodeObject, toHex, unseal } from '#protocol';
import type { Ledger } from '../ledger.js';
import { u8, type Row } from '../ledger-rows.js';
import { all, exec, one, type Query } from './db.js';

export type SealedStatus = 'opened' | 'unreadable';

/** What a payment's sealed details turned out to be. */
export type Opened = { status: 'opened'; plaintext: Uint8Array } | { status: 'unreadable'; error: string };

/** The details as shown: the plaintext as text when it is UTF-8 (the wallet's JSON), always as hex. */
export interface SealedView {
  status: SealedStatus;
  text: string | null;
  hex: string | null;
  /** Why they could not be opened (wrong key, altered bytes). */
  error: string | null;
  openedAt: number;
}

/** Opens the sealed details a payment carries; undefined when it carries none (or does not decode). */
export function openSealed(payment: Uint8Array, secret: Uint8Array): Opened | undefined {
  const d = decodeObject('PAYMENT', payment);
  const sealed = d.ok ? d.value.value.sealed : undefined;
  if (!sealed) return undefined;
  try {
    return { status: 'opened', plaintext: unseal(sealed, secret) };
  } catch (e) {
    // GCM refuses a wrong key and any altered byte alike.
    return { status: 'unreadable', error: `cannot open: ${(e as Error).message}` };
  }
}

function* store(txId: string, o: Opened, now: number): Query<number> {
  // First writer wins: clearing, a re-sent batch and a backfill may all reach the same txId.
  return yield* exec('INSERT INTO sealed_details (tx_id, status, plaintext, error, opened_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tx_id) DO NOTHING', [
    txId,
    o.status,
    o.status === 'opened' ? Buffer.from(o.plaintext) : null,
    o.status === 'unreadable' ? o.error : null,
    now,
  ]);
}

/**
 * Stores the opened details of settled payments (clearing calls it after each batch, for its settled
 * and duplicate records; idempotent). Returns how many were stored now.
 */
export async function recordSealedDetails(ledger: Ledger, payments: readonly { txId: string; payment: Uint8Array }[], secret: Uint8Array, now: number): Promise<number> {
  const opened = payments.flatMap((p) => {
    const o = openSealed(p.payment, secret);
    return o ? [{ txId: p.txId, o }] : [];
  });
  if (opened.length === 0) return 0;
  return ledger.operations().write(function* () {
    let n = 0;
    // Only settled payments: the details belong with a settlement.
    for (const { txId, o } of opened) if (yield* one('SELECT 1 AS x FROM settlements WHERE tx_id = ?', [txId])) n += yield* store(txId, o, now);
    return n;
  });
}

/**
 * Opens the details of every settlement that has sealed details but no stored opening (after a crash
 * between a batch's commit and the opening, or a ledger settled before this existed). Idempotent.
 */
export async function openPendingSealed(ledger: Ledger, secret: Uint8Array, now: number, batch = 500): Promise<{ scanned: number; stored: number }> {
  let after = '';
  let scanned = 0;
  let stored = 0;
  for (;;) {
    const rows = await ledger.operations().read(() =>
      all('SELECT s.tx_id, s.payment FROM settlements s WHERE s.tx_id > ? AND NOT EXISTS (SELECT 1 FROM sealed_details d WHERE d.tx_id = s.tx_id) ORDER BY s.tx_id LIMIT ?', [after, batch]),
    );
    if (rows.length === 0) return { scanned, stored };
    scanned += rows.length;
    stored += await recordSealedDetails(ledger, rows.map((r) => ({ txId: r.tx_id as string, payment: u8(r.payment) })), secret, now);
    after = rows[rows.length - 1]?.tx_id as string;
  }
}

export function sealedViewOf(r: Row): SealedView {
  const plaintext = r.plaintext === null || r.plaintext === undefined ? null : u8(r.plaintext);
  let text: string | null = null;
  if (plaintext) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
    } catch {
      text = null;
    }
  }
  return { status: r.status as SealedStatus, text, hex: plaintext ? toHex(plaintext) : null, error: (r.error as string | null) ?? null, openedAt: Number(r.opened_at) };
}

/** The stored details of a settled txId, if any. */
export function* sealedOf(txId: string): Query<SealedView | null> {
  const r = yield* one('SELECT * FROM sealed_details WHERE tx_id = ?', [txId]);
  return r ? sealedViewOf(r) : null;
}

/** How many settlements have opened details, and the newest `limit` of them (the report's section). */
export async function recentSealed(ledger: Ledger, limit = 20): Promise<{ count: number; recent: (SealedView & { txId: string })[] }> {
  return ledger.operations().read(function* () {
    const n = yield* one('SELECT count(*) AS n FROM sealed_details');
    const rows = yield* all('SELECT * FROM sealed_details ORDER BY opened_at DESC, tx_id DESC LIMIT ?', [limit]);
    return { count: Number(n?.n ?? 0), recent: rows.map((r) => ({ txId: r.tx_id as string, ...sealedViewOf(r) })) };
  });
}
