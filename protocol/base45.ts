// Base45 (RFC 9285): bytes ↔ the QR alphanumeric alphabet, strict in both directions.

export const BASE45_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < BASE45_ALPHABET.length; i++) INDEX[BASE45_ALPHABET.charCodeAt(i)] = i;

export function base45Encode(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 1 < b.length; i += 2) {
    let n = ((b[i] as number) << 8) | (b[i + 1] as number);
    const c = n % 45;
    n = (n - c) / 45;
    const d = n % 45;
    const e = (n - d) / 45;
    out += BASE45_ALPHABET[c]! + BASE45_ALPHABET[d]! + BASE45_ALPHABET[e]!;
  }
  if (b.length % 2 === 1) {
    const n = b[b.length - 1] as number;
    out += BASE45_ALPHABET[n % 45]! + BASE45_ALPHABET[Math.floor(n / 45)]!;
  }
  return out;
}

function val(s: string, i: number): number {
  const code = s.charCodeAt(i);
  const v = code < 128 ? (INDEX[code] as number) : -1;
  if (v < 0) throw new RangeError(`invalid Base45 character at ${i}`);
  return v;
}

/** Decodes strictly: rejects foreign characters, a dangling single character and out-of-range groups. */
export function base45Decode(s: string): Uint8Array {
  if (s.length % 3 === 1) throw new RangeError('invalid Base45 length');
  const out = new Uint8Array(Math.floor(s.length / 3) * 2 + (s.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < s.length; i += 3) {
    if (i + 2 < s.length) {
      const n = val(s, i) + val(s, i + 1) * 45 + val(s, i + 2) * 2025;
      if (n > 0xffff) throw new RangeError(`Base45 group out of range at ${i}`);
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      const n = val(s, i) + val(s, i + 1) * 45;
      if (n > 0xff) throw new RangeError(`Base45 group out of range at ${i}`);
      out[o++] = n;
    }
  }
  return out;
}
