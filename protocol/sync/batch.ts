// The journal batch codec: a deterministic CBOR array of JournalRecord COSE byte strings (docs/mqtt.md §journal).
import { decodeCbor, headLength, writeHead } from '../cbor.js';
import { type Verified, reject } from '../reasons.js';
import { MAX_BYTES } from '../objects.js';

/** Most records in one batch message (a terminal sends at most its batchSize, ≤ 1000). */
export const MAX_BATCH = 5_000;
/** Largest batch message: MAX_BATCH records of the largest record, plus CBOR heads. */
export const MAX_BATCH_BYTES = MAX_BATCH * (MAX_BYTES.JOURNAL_RECORD + 3) + 5;

/** Same bytes as encodeCbor(records) (shortest heads, definite lengths), in one allocation without per-item copies. */
export function encodeBatch(records: readonly Uint8Array[]): Uint8Array {
  let len = headLength(records.length);
  for (const r of records) len += headLength(r.length) + r.length;
  const out = new Uint8Array(len);
  let pos = writeHead(out, 0, 4, records.length);
  for (const r of records) {
    pos = writeHead(out, pos, 2, r.length);
    out.set(r, pos);
    pos += r.length;
  }
  return out;
}

/** Splits a batch payload into its records (byte strings, not yet verified); never throws. */
export function decodeBatch(payload: Uint8Array): Verified<Uint8Array[]> {
  if (payload.length > MAX_BATCH_BYTES) return reject('TOO_LARGE', `${payload.length} bytes > ${MAX_BATCH_BYTES}`);
  let v;
  try {
    v = decodeCbor(payload, MAX_BATCH + 1);
  } catch (e) {
    return reject('MALFORMED', `batch: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) return reject('MALFORMED', 'batch is not a CBOR array');
  if (v.length > MAX_BATCH) return reject('TOO_LARGE', `${v.length} records > ${MAX_BATCH}`);
  if (!v.every((x) => x instanceof Uint8Array)) return reject('MALFORMED', 'batch item is not a byte string');
  return { ok: true, value: v as Uint8Array[] };
}
