// Encodes a journal batch (deterministic CBOR array of byte strings) in one allocation.

function headLength(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

function writeHead(out: Uint8Array, pos: number, major: number, n: number): number {
  const m = major << 5;
  if (n < 24) {
    out[pos] = m | n;
    return pos + 1;
  }
  if (n < 0x100) {
    out[pos] = m | 24;
    out[pos + 1] = n;
    return pos + 2;
  }
  if (n < 0x10000) {
    out[pos] = m | 25;
    out[pos + 1] = n >> 8;
    out[pos + 2] = n & 0xff;
    return pos + 3;
  }
  if (n < 0x100000000) {
    out[pos] = m | 26;
    out[pos + 1] = n >>> 24;
    out[pos + 2] = (n >>> 16) & 0xff;
    out[pos + 3] = (n >>> 8) & 0xff;
    out[pos + 4] = n & 0xff;
    return pos + 5;
  }
  throw new RangeError('batch item too large');
}

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
