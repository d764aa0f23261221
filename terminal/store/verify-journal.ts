// Checks a journal end to end: contiguous indexes, hash chain, every signature, every stored column against its signed record, and the head against its signed checkpoint.
import { DECISION, decodeObject, equalBytes, getDefaultBackend, recordHash, toHex, verifyJournalRecord, type CryptoBackend, type JournalRecord } from '#protocol';
import { HEAD_CHECKPOINT_KEY, headProblem, readHeadCheckpoint } from './head-checkpoint.js';
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
  reason: number;
  amount: number;
  currency: string | null;
  purse_id: Buffer | null;
  seq: number | null;
  cumulative: number | null;
  time_ms: number;
  reference: string | null;
  adjustment: number | null;
  original: Buffer | null;
}

const same = (a: Buffer | null, b: Uint8Array | null): boolean => (a === null || b === null ? a === b : equalBytes(new Uint8Array(a), b));

/**
 * The first stored column that differs from what the terminal derived from the signed record when
 * it wrote the row: the record's own fields, and purse, sequence, currency and cumulative amount
 * from the signed payment inside it (a journaled payment always decodes: the checkout journals
 * only payments it could read). latency_us is a measurement no signature covers.
 */
function columnProblem(row: Row, r: JournalRecord): string | undefined {
  if (!equalBytes(r.txId, new Uint8Array(row.tx_id))) return 'tx_id';
  if (r.decision !== row.decision) return 'decision';
  if (r.reason !== row.reason) return 'reason';
  if (r.amountCharged !== row.amount) return 'amount';
  if (Math.floor(row.time_ms / 1000) !== r.time) return 'time_ms';
  if ((r.reference ?? null) !== row.reference) return 'reference';
  if ((r.adjustment ?? null) !== row.adjustment) return 'adjustment';
  if (!same(row.original, r.original ?? null)) return 'original';
  if (r.payment === undefined) return adjustmentColumnProblem(row, r);
  const p = decodeObject('PAYMENT', r.payment);
  if (!p.ok) return undefined;
  const pay = p.value.value;
  const cert = decodeObject('PURSE_CERT', pay.purseCert);
  const approved = r.decision === DECISION.approved;
  if (!same(row.purse_id, cert.ok ? cert.value.value.purseId : null)) return 'purse_id';
  if (row.seq !== pay.seq) return 'seq';
  if (row.currency !== (approved ? pay.currency : null)) return 'currency';
  if (row.cumulative !== (approved ? pay.cumulative : null)) return 'cumulative';
  return undefined;
}

/** A void or refund names no purse: its currency is the record's own. */
function adjustmentColumnProblem(row: Row, r: JournalRecord): string | undefined {
  if (row.purse_id !== null) return 'purse_id';
  if (row.seq !== null) return 'seq';
  if (row.currency !== (r.currency ?? null)) return 'currency';
  if (row.cumulative !== null) return 'cumulative';
  return undefined;
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
  const rows = db.prepare('SELECT idx, tx_id, record, hash, decision, reason, amount, currency, purse_id, seq, cumulative, time_ms, reference, adjustment, original FROM journal ORDER BY idx');
  for (const row of rows.iterate() as Iterable<Row>) {
    if (row.idx !== expected) return bad(expected, `record ${expected} is missing (next is ${row.idx})`);
    const record = new Uint8Array(row.record);
    const v = verifyJournalRecord(record, { terminalPublicKey, trust, ...(opts.terminalId ? { terminalId: opts.terminalId } : {}) });
    if (!v.ok) return bad(row.idx, `${v.reason}: ${v.detail}`);
    const r = v.value.value;
    if (r.index !== row.idx) return bad(row.idx, `record says index ${r.index}`);
    if (!equalBytes(r.prevHash, prev)) return bad(row.idx, 'previous-hash link broken');
    const h = recordHash(record);
    if (!equalBytes(h, new Uint8Array(row.hash))) return bad(row.idx, 'stored hash differs from the record');
    const column = columnProblem(row, r);
    if (column) return bad(row.idx, `row columns differ from the signed record (${column})`);
    if (r.decision === DECISION.approved && r.reason !== 0) return bad(row.idx, 'approved record carries a reason');
    prev = h;
    expected++;
    n++;
    if (opts.onProgress && n % 1000 === 0) opts.onProgress(n, total);
  }
  opts.onProgress?.(n, total);
  return { ok: true, records: n, headHash: n ? toHex(prev) : null };
}

/**
 * Anchors the head of a journal that verified: its signed head checkpoint (kv) must verify under
 * the terminal key, name a record still in the journal, and the acknowledged index (kv.acked_upto)
 * must be the one it was signed with. A verified prefix of a journal is otherwise indistinguishable
 * from the whole journal.
 */
export function verifyJournalHead(db: Db, terminalPublicKey: Uint8Array, check: JournalCheck & { ok: true }, opts: { terminalId?: string; backend?: CryptoBackend } = {}): JournalCheck {
  const kv = (key: string): string | undefined => (db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  const bad = (problem: string): JournalCheck => ({ ok: false, records: check.records, firstBadIndex: check.records + 1, problem });
  const ackedText = kv('acked_upto') ?? '0';
  const acked = Number(ackedText);
  if (!/^\d+$/.test(ackedText) || acked > check.records) return bad(`acked_upto ${ackedText} is not an index of this journal (head ${check.records})`);
  const text = kv(HEAD_CHECKPOINT_KEY);
  if (text === undefined) return check.records === 0 && acked === 0 ? check : bad('the signed head checkpoint is missing');
  const cp = readHeadCheckpoint(text, terminalPublicKey, opts.backend ?? getDefaultBackend());
  if (!cp.ok) return bad(cp.problem);
  const hashAt = (i: number): Uint8Array | undefined => {
    const r = db.prepare('SELECT hash FROM journal WHERE idx = ?').get(i) as { hash: Buffer } | undefined;
    return r ? new Uint8Array(r.hash) : undefined;
  };
  const problem = headProblem(cp.checkpoint, { idx: check.records, hashAt, ackedUpTo: acked, ...(opts.terminalId ? { terminalId: opts.terminalId } : {}) });
  return problem ? bad(problem) : check;
}
