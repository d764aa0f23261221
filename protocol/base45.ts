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

/** Value of the character at s[i], or −1 outside the alphabet. */
function digit(s: string, i: number): number {
  const code = s.charCodeAt(i);
  return code < 128 ? (INDEX[code] as number) : -1;
}

function badCharacter(s: string, from: number, to: number, start: number): RangeError {
  let i = from;
  while (i < to && digit(s, i) >= 0) i++;
  return new RangeError(`invalid Base45 character at ${i - start}`);
}

/**
 * Decodes strictly: rejects foreign characters, a dangling single character and out-of-range groups.
 * `start` skips a prefix (a QR code's "TP1:") without slicing the string.
 */
export function base45Decode(s: string, start = 0): Uint8Array {
  const len = s.length - start;
  if (len % 3 === 1) throw new RangeError('invalid Base45 length');
  const out = new Uint8Array(Math.floor(len / 3) * 2 + (len % 3 === 2 ? 1 : 0));
  const end3 = s.length - (len % 3);
  let o = 0;
  let i = start;
  for (; i < end3; i += 3) {
    const a = digit(s, i);
    const b = digit(s, i + 1);
    const c = digit(s, i + 2);
    if ((a | b | c) < 0) throw badCharacter(s, i, i + 3, start);
    const n = a + b * 45 + c * 2025;
    if (n > 0xffff) throw new RangeError(`Base45 group out of range at ${i - start}`);
    out[o++] = n >> 8;
    out[o++] = n & 0xff;
  }
  if (i < s.length) {
    const a = digit(s, i);
    const b = digit(s, i + 1);
    if ((a | b) < 0) throw badCharacter(s, i, i + 2, start);
    const n = a + b * 45;
    if (n > 0xff) throw new RangeError(`Base45 group out of range at ${i - start}`);
    out[o] = n;
  }
  return out;
}
