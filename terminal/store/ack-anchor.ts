// Anchors the journal with the last ack the back office signed: checks its CLEARING signature, addressee and acknowledged hash against the journal.
import { TrustStore, decodeObject, fromHex, getDefaultBackend, toHex, verifyAck, verifyTrustList, type CryptoBackend } from '#protocol';
import type { Db } from './open.js';
import type { JournalCheck } from './verify-journal.js';

/** The kv key of the last verified ack's bytes (hex), written in the same transaction as `acked_upto`. */
export const ACK_KEY = 'acked_by';

/** What a verified ack anchor adds to a journal check: the back office's own word on how far it has the journal. */
export interface AckAnchor {
  upTo: number;
  /** The ack's signing time (s). */
  time: number;
}

/**
 * Checks the stored ack of a journal whose chain, columns and head verified. The terminal key signs
 * the head checkpoint, so whoever holds that key can rewrite the journal and re-sign it; the ack is
 * signed by a CLEARING key of the trust list in force (the store's applied trust row, verified
 * against the installed root key), which a terminal never holds. The ack must name this terminal
 * and the exact hash of the journal's record at `acked_upto`: a journal rewritten, or cut back, below
 * what the back office acknowledged fails here.
 */
export function verifyJournalAck(
  db: Db,
  rootPublicKey: Uint8Array,
  check: JournalCheck & { ok: true },
  opts: { terminalId: string; backend?: CryptoBackend },
): JournalCheck & { ack?: AckAnchor } {
  const kv = (key: string): string | undefined => (db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  const bad = (problem: string, idx = check.records + 1): JournalCheck => ({ ok: false, records: check.records, firstBadIndex: idx, problem });
  const acked = Number(kv('acked_upto') ?? '0');
  const text = kv(ACK_KEY);
  if (text === undefined) return acked === 0 ? check : bad(`acked_upto is ${acked} but no ack signed by the back office is stored with it`);
  let bytes: Uint8Array;
  try {
    bytes = fromHex(text);
  } catch {
    return bad('the stored ack is not well-formed');
  }
  const backend = opts.backend ?? getDefaultBackend();
  const row = db.prepare("SELECT bytes FROM fleet WHERE kind = 'trust'").get() as { bytes: Buffer } | undefined;
  if (!row) return bad('no trust list is applied: the stored ack cannot be checked');
  const list = verifyTrustList(new Uint8Array(row.bytes), { rootPublicKey, backend });
  if (!list.ok) return bad(`the applied trust list does not verify against the installed root key: ${list.reason} (${list.detail})`);
  const hashAt = (i: number): Uint8Array | undefined => {
    if (i === 0) return new Uint8Array(32); // the chain's start, as acks name it
    const r = db.prepare('SELECT hash FROM journal WHERE idx = ?').get(i) as { hash: Buffer } | undefined;
    return r ? new Uint8Array(r.hash) : undefined;
  };
  // Key validity is not checked (now: null): the ack was checked against trusted time when it arrived.
  const v = verifyAck(bytes, { trust: new TrustStore(list.value.value, backend), now: null, terminalId: opts.terminalId, head: check.records, hashAt });
  if (!v.ok) {
    const d = decodeObject('ACK', bytes);
    const upTo = d.ok ? d.value.value.upTo : undefined;
    if (v.reason === 'BEYOND_HEAD') return bad(`the back office acknowledged records up to ${upTo} but the journal ends at ${check.records}: acknowledged records are gone (rolled back)`);
    if (v.reason === 'CHAIN_MISMATCH' && d.ok) return bad(`record ${upTo} is not the one the back office acknowledged (its hash ${toHex(d.value.value.hash).slice(0, 16)}…): the journal was rewritten below what the back office acknowledged`, upTo);
    if (v.reason === 'WRONG_PAYEE') return bad(`the stored ack is for another terminal: ${v.detail}`);
    return bad(`the stored ack is not signed by a CLEARING key of the trust list in force: ${v.reason} (${v.detail})`);
  }
  const a = v.value.value;
  if (a.upTo !== acked) return bad(`acked_upto is ${acked} but the stored ack from the back office acknowledges ${a.upTo}`);
  return { ...check, ack: { upTo: a.upTo, time: a.time } };
}
