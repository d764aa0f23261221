// Byte helpers used across the protocol: hex, UTF-8, comparison and concatenation.

// Node's Buffer converts hex natively (the terminal's hot path); browsers have no Buffer and use the table below.
interface HexBuffer {
  from(b: ArrayBufferLike, off: number, len: number): { toString(enc: 'hex'): string };
  from(s: string, enc: 'hex'): Uint8Array;
}
const NodeBuffer = (globalThis as { Buffer?: HexBuffer }).Buffer;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(b: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
  let s = '';
  for (const x of b) s += HEX[x] as string;
  return s;
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new TypeError(`not hex: ${s.slice(0, 16)}`);
  if (NodeBuffer) return new Uint8Array(NodeBuffer.from(s, 'hex'));
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
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
