// Strict deterministic CBOR (RFC 8949 §4.2.1) for the subset Tessera uses: ints, bytes, text, arrays, maps, tag 18.
import { compareBytes, fromUtf8 } from './bytes.js';

/**
 * The CBOR data model we accept. Integers are JS numbers within ±(2^53−1); maps have integer keys
 * only (all our objects use small integer keys, COSE headers included). Nothing else exists here:
 * no floats, no simple values, no indefinite lengths, no tags but COSE_Sign1's 18.
 */
export type CborValue = number | Uint8Array | string | CborValue[] | CborMap | CborTag;
export type CborMap = Map<number, CborValue>;
export interface CborTag {
  tag: number;
  value: CborValue;
}

export class CborError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CborError';
  }
}

export const CBOR_LIMITS = { maxDepth: 8, maxItems: 256 } as const;

/** Bytes of the shortest head for `n` (a safe non-negative integer): 1, 2, 3, 5 or 9. */
export function headLength(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

/** Writes the shortest head of major type `major` for `n` (a safe non-negative integer) at out[o]; returns the offset after it. */
export function writeHead(out: Uint8Array, o: number, major: number, n: number): number {
  const m = major << 5;
  if (n < 24) {
    out[o] = m | n;
    return o + 1;
  }
  if (n < 0x100) {
    out[o] = m | 24;
    out[o + 1] = n;
    return o + 2;
  }
  if (n < 0x10000) {
    out[o] = m | 25;
    out[o + 1] = n >> 8;
    out[o + 2] = n & 0xff;
    return o + 3;
  }
  if (n < 0x100000000) {
    out[o] = m | 26;
    writeU32(out, o + 1, n);
    return o + 5;
  }
  out[o] = m | 27;
  writeU32(out, o + 1, Math.floor(n / 0x100000000));
  writeU32(out, o + 5, n >>> 0);
  return o + 9;
}

function writeU32(out: Uint8Array, o: number, n: number): void {
  out[o] = n >>> 24;
  out[o + 1] = (n >>> 16) & 0xff;
  out[o + 2] = (n >>> 8) & 0xff;
  out[o + 3] = n & 0xff;
}

/** A growing output buffer: one allocation per encoding instead of one per item and per level. */
class Writer {
  buf = new Uint8Array(512);
  n = 0;

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + k) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  head(major: number, n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new CborError(`length/value out of range: ${n}`);
    this.room(9);
    this.n = writeHead(this.buf, this.n, major, n);
  }

  bytes(v: Uint8Array): void {
    this.room(v.length);
    this.buf.set(v, this.n);
    this.n += v.length;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

const textEncoder = new TextEncoder();

/** Integer keys in the order of their shortest encodings: non-negative ascending, then negative by magnitude. */
function compareIntKeys(a: number, b: number): number {
  if (a >= 0) return b >= 0 ? a - b : -1;
  return b >= 0 ? 1 : b - a;
}

function write(w: Writer, v: CborValue): void {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new CborError(`not a safe integer: ${v}`);
    if (v >= 0) w.head(0, v);
    else w.head(1, -1 - v);
  } else if (v instanceof Uint8Array) {
    w.head(2, v.length);
    w.bytes(v);
  } else if (typeof v === 'string') {
    const b = textEncoder.encode(v);
    w.head(3, b.length);
    w.bytes(b);
  } else if (Array.isArray(v)) {
    w.head(4, v.length);
    for (const x of v) write(w, x);
  } else if (v instanceof Map) {
    w.head(5, v.size);
    const keys = [...v.keys()];
    if (keys.every((k) => Number.isSafeInteger(k))) {
      keys.sort(compareIntKeys);
      for (const k of keys) {
        write(w, k);
        write(w, v.get(k) as CborValue);
      }
    } else {
      // Not the CBOR data model we use (integer keys), but encoded as before: sorted by encoded key.
      const entries = [...v.entries()].map(([k, val]) => [encodeCbor(k), val] as const);
      entries.sort((a, b) => compareBytes(a[0], b[0]));
      for (const [k, val] of entries) {
        w.bytes(k);
        write(w, val);
      }
    }
  } else {
    w.head(6, v.tag);
    write(w, v.value);
  }
}

/** Encodes deterministically: shortest heads, definite lengths, map keys sorted by their encoding. */
export function encodeCbor(v: CborValue): Uint8Array {
  const w = new Writer();
  write(w, v);
  return w.result();
}

class Reader {
  pos = 0;
  items = 0;
  /** Major type of the last head read (readHead). */
  major = 0;
  /** Order position (major type, argument) of the last map key read (readKey). */
  keyMajor = -1;
  keyArg = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly maxItems: number,
    /** Byte strings as views into `buf` instead of copies (see decodeCborViews). */
    readonly views: boolean,
  ) {}

  byte(): number {
    const b = this.buf[this.pos];
    if (b === undefined) throw new CborError('truncated');
    this.pos++;
    return b;
  }

  /** The next `n` bytes as a view into the input. */
  take(n: number): Uint8Array {
    if (n > this.buf.length - this.pos) throw new CborError('truncated');
    const start = this.pos;
    this.pos += n;
    // The constructor is cheaper than subarray(), which looks up a species constructor each call.
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + start, n);
  }

  /** A byte string's content: a view in views mode, else an independent copy. */
  bytes(n: number): Uint8Array {
    if (this.views) return this.take(n);
    if (n > this.buf.length - this.pos) throw new CborError('truncated');
    const start = this.pos;
    this.pos += n;
    return this.buf.slice(start, this.pos);
  }
}

function readArg(r: Reader, info: number): number {
  if (info < 24) return info;
  let n: number;
  let min: number;
  switch (info) {
    case 24:
      n = r.byte();
      min = 24;
      break;
    case 25:
      n = (r.byte() << 8) | r.byte();
      min = 0x100;
      break;
    case 26:
      n = ((r.byte() << 24) | (r.byte() << 16) | (r.byte() << 8) | r.byte()) >>> 0;
      min = 0x10000;
      break;
    case 27: {
      const hi = ((r.byte() << 24) | (r.byte() << 16) | (r.byte() << 8) | r.byte()) >>> 0;
      const lo = ((r.byte() << 24) | (r.byte() << 16) | (r.byte() << 8) | r.byte()) >>> 0;
      if (hi > 0x1fffff) throw new CborError('integer beyond 2^53');
      n = hi * 0x100000000 + lo;
      min = 0x100000000;
      break;
    }
    default:
      throw new CborError(info === 31 ? 'indefinite length' : `reserved additional info ${info}`);
  }
  if (n < min) throw new CborError('non-shortest integer or length');
  return n;
}

/** Strict UTF-8; ASCII (every Tessera identifier) skips the TextDecoder call, which dominates for short strings. */
function decodeText(b: Uint8Array): string {
  if (b.length <= 64) {
    let ascii = true;
    for (let i = 0; i < b.length; i++) if ((b[i] as number) >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
  }
  return fromUtf8(b);
}

/** An item's head: depth and item-count bounds, then the argument; the major type is left in r.major. */
function readHead(r: Reader, depth: number): number {
  if (depth > CBOR_LIMITS.maxDepth) throw new CborError('nesting too deep');
  if (++r.items > r.maxItems) throw new CborError('too many items');
  const ib = r.byte();
  const major = ib >> 5;
  if (major === 7) throw new CborError('floats and simple values are not allowed');
  r.major = major;
  return readArg(r, ib & 0x1f);
}

/**
 * A map key, which must be an integer sorting after the previous key (prevMajor, prevArg) of its map.
 * Keys are integers in shortest form, so RFC 8949's bytewise order of their encodings is the order
 * of (major type, argument): compared as numbers, without slicing the key bytes. The key's own
 * position is left in r.keyMajor and r.keyArg.
 */
function readKey(r: Reader, depth: number, prevMajor: number, prevArg: number): number {
  const start = r.pos;
  const k = readItem(r, depth);
  if (typeof k !== 'number') throw new CborError('map key is not an integer');
  const kMajor = (r.buf[start] as number) >> 5;
  const kArg = kMajor === 0 ? k : -1 - k;
  if (kMajor === prevMajor && kArg === prevArg) throw new CborError(`duplicate map key ${k}`);
  if (kMajor < prevMajor || (kMajor === prevMajor && kArg < prevArg)) throw new CborError('map keys not in canonical order');
  r.keyMajor = kMajor;
  r.keyArg = kArg;
  return k;
}

function readItem(r: Reader, depth: number): CborValue {
  const n = readHead(r, depth);
  switch (r.major) {
    case 0:
      return n;
    case 1:
      if (n >= Number.MAX_SAFE_INTEGER) throw new CborError('negative integer beyond 2^53');
      return -1 - n;
    case 2:
      return r.bytes(n);
    case 3:
      try {
        return decodeText(r.take(n));
      } catch (e) {
        if (e instanceof CborError) throw e;
        throw new CborError('invalid UTF-8 in text string');
      }
    case 4: {
      if (n > r.maxItems) throw new CborError('too many items');
      const out: CborValue[] = [];
      for (let i = 0; i < n; i++) out.push(readItem(r, depth + 1));
      return out;
    }
    case 5: {
      if (n > r.maxItems) throw new CborError('too many items');
      const m: CborMap = new Map();
      let prevMajor = -1;
      let prevArg = 0;
      for (let i = 0; i < n; i++) {
        const k = readKey(r, depth + 1, prevMajor, prevArg);
        prevMajor = r.keyMajor;
        prevArg = r.keyArg;
        m.set(k, readItem(r, depth + 1));
      }
      return m;
    }
    default: // 6: tag
      if (n !== 18) throw new CborError(`unsupported tag ${n}`);
      return { tag: n, value: readItem(r, depth + 1) };
  }
}

/**
 * A map spanning all of `buf`, read entry by entry with every check decodeCborViews makes (byte
 * strings are views): for a decoder that fills its own structure instead of building a Map.
 * Call key() then value() `size` times, then end(). Throws CborError like decodeCbor.
 */
export class CborMapReader {
  readonly size: number;
  private readonly r: Reader;
  private prevMajor = -1;
  private prevArg = 0;

  constructor(buf: Uint8Array, maxItems: number) {
    this.r = new Reader(buf, maxItems, true);
    const n = readHead(this.r, 0);
    if (this.r.major !== 5) throw new CborError('not a map');
    if (n > maxItems) throw new CborError('too many items');
    this.size = n;
  }

  key(): number {
    const k = readKey(this.r, 1, this.prevMajor, this.prevArg);
    this.prevMajor = this.r.keyMajor;
    this.prevArg = this.r.keyArg;
    return k;
  }

  value(): CborValue {
    return readItem(this.r, 1);
  }

  end(): void {
    if (this.r.pos !== this.r.buf.length) throw new CborError('trailing bytes');
  }
}

function decodeWith(r: Reader): CborValue {
  const v = readItem(r, 0);
  if (r.pos !== r.buf.length) throw new CborError('trailing bytes');
  return v;
}

/** Decodes exactly one item that spans all of `buf`; throws CborError on anything non-canonical. */
export function decodeCbor(buf: Uint8Array, maxItems: number = CBOR_LIMITS.maxItems): CborValue {
  return decodeWith(new Reader(buf, maxItems, false));
}

/**
 * decodeCbor, but every byte string is a view into `buf` rather than a copy: for callers that keep
 * `buf` alive with the result anyway (a decoded object carries its own bytes). Saves an allocation
 * per byte string on the payment path; the caller must not modify `buf` afterwards.
 */
export function decodeCborViews(buf: Uint8Array, maxItems: number = CBOR_LIMITS.maxItems): CborValue {
  return decodeWith(new Reader(buf, maxItems, true));
}

export function isMap(v: CborValue): v is CborMap {
  return v instanceof Map;
}
