// Checks a journal end to end: contiguous indexes, hash chain, every signature, rows matching their records.
import { DECISION, equalBytes, getDefaultBackend, recordHash, toHex, verifyJournalRecord, type CryptoBackend } from '#protocol';
import type { Db } from './open.js';
import { ZERO_HASH } from './store.js';

export type JournalCheck =
  | { ok: true; records: number; headHash: string | null }
  | { ok: false; records: number; firstBadIndex: number; problem: string };

interface Row {
  idx: number;
  tx_id: Buffer;
  record: Buffer;
  hash: Buffer;
  decision: number;
  amount: number;
}

/** Streams the journal (constant memory) and reports the first bad index; `onProgress` gets the count so far. */
export function verifyJournal(
  db: Db,
  terminalPublicKey: Uint8Array,
  opts: { terminalId?: string; backend?: CryptoBackend; onProgress?: (done: number, total: number) => void } = {},
): JournalCheck {
  const trust = { backend: opts.backend ?? getDefaultBackend() };
  const total = (db.prepare('SELECT count(*) AS n FROM journal').get() as { n: number }).n;
  let expected = 1;
  let prev: Uint8Array = ZERO_HASH;
  let n = 0;
  const bad = (idx: number, problem: string): JournalCheck => ({ ok: false, records: n, firstBadIndex: idx, problem });
  for (const row of db.prepare('SELECT idx, tx_id, record, hash, decision, amount FROM journal ORDER BY idx').iterate() as Iterable<Row>) {
    if (row.idx !== expected) return bad(expected, `record ${expected} is missing (next is ${row.idx})`);
    const record = new Uint8Array(row.record);
    const v = verifyJournalRecord(record, { terminalPublicKey, trust, ...(opts.terminalId ? { terminalId: opts.terminalId } : {}) });
    if (!v.ok) return bad(row.idx, `${v.reason}: ${v.detail}`);
    const r = v.value.value;
    if (r.index !== row.idx) return bad(row.idx, `record says index ${r.index}`);
    if (!equalBytes(r.prevHash, prev)) return bad(row.idx, 'previous-hash link broken');
    const h = recordHash(record);
    if (!equalBytes(h, new Uint8Array(row.hash))) return bad(row.idx, 'stored hash differs from the record');
    if (!equalBytes(r.txId, new Uint8Array(row.tx_id)) || r.decision !== row.decision || r.amountCharged !== row.amount) {
      return bad(row.idx, 'row columns differ from the signed record');
    }
    if (r.decision === DECISION.approved && r.reason !== 0) return bad(row.idx, 'approved record carries a reason');
    prev = h;
    expected++;
    n++;
    if (opts.onProgress && n % 1000 === 0) opts.onProgress(n, total);
  }
  opts.onProgress?.(n, total);
  return { ok: true, records: n, headHash: n ? toHex(prev) : null };
}
