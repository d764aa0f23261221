// Encodes a journal batch (deterministic CBOR array of byte strings) in one allocation.
import { headLength, writeHead } from '#protocol';

/** Same bytes as encodeCbor(records) from #protocol (shortest heads, definite lengths), without per-item copies. */
export function encodeBatch(records: readonly Uint8Array[]): Buffer {
  let len = headLength(records.length);
  for (const r of records) len += headLength(r.length) + r.length;
  const out = Buffer.allocUnsafe(len);
  let pos = writeHead(out, 0, 4, records.length);
  for (const r of records) {
    pos = writeHead(out, pos, 2, r.length);
    out.set(r, pos);
    pos += r.length;
  }
  return out;
}
