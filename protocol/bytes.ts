// Byte helpers used across the protocol: hex, UTF-8, comparison and concatenation.

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new TypeError(`not hex: ${s.slice(0, 16)}`);
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8, throwing on invalid sequences (a lenient decoder would let two byte strings map to one text). */
export function fromUtf8(b: Uint8Array): string {
  return strictDecoder.decode(b);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

/** Bytewise lexicographic order, as RFC 8949 §4.2.1 uses for map keys. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
