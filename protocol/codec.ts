// Object codec: typed object ⇄ signed COSE bytes ⇄ QR text, with every structural check a verifier needs.
import { base45Decode, base45Encode } from './base45.js';
import { CborError, decodeCbor, decodeCborViews, encodeCbor } from './cbor.js';
import { CoseError, type Sign1, decodeSign1, signSign1 } from './cose.js';
import { sha256 } from './crypto/index.js';
import {
  FIELDS,
  MAX_BYTES,
  MAX_ITEMS,
  MODE_NUMBER,
  PREFIX,
  TYPE,
  VERSION,
  type ObjectKind,
  type ObjectOf,
} from './objects.js';
import { type Verified, reject } from './reasons.js';
import { type FieldSpec, SchemaError, decodeFields, decodeFieldsDirect, encodeFields } from './schema.js';
import type { Signer } from './signer.js';

export interface Decoded<K extends ObjectKind> {
  kind: K;
  /** The complete COSE_Sign1 bytes. */
  bytes: Uint8Array;
  sign1: Sign1;
  value: ObjectOf[K];
}

const KIND_BY_TYPE = new Map<number, ObjectKind>(Object.entries(TYPE).map(([k, v]) => [v, k as ObjectKind]));
const KIND_BY_PREFIX = new Map<string, ObjectKind>(Object.entries(PREFIX).map(([k, v]) => [v, k as ObjectKind]));
const MODE_BY_NUMBER = ['merchant', 'transit'] as const;

// TerminalCert.mode is text in TypeScript and a number on the wire.
function toWire(kind: ObjectKind, obj: object): Record<string, unknown> {
  const o = { ...obj } as Record<string, unknown>;
  if (kind === 'TERMINAL_CERT') o.mode = MODE_NUMBER[o.mode as 'merchant' | 'transit'];
  return { type: TYPE[kind], v: VERSION, ...o };
}

function wireModes(kind: ObjectKind, o: Record<string, unknown>): Record<string, unknown> {
  if (kind === 'TERMINAL_CERT') o.mode = MODE_BY_NUMBER[o.mode as 0 | 1];
  return o;
}

function fromWire(kind: ObjectKind, o: Record<string, unknown>): unknown {
  // Rest instead of `delete`, which would turn every decoded object into a slow dictionary.
  const { type: _type, v: _v, ...rest } = o;
  return wireModes(kind, rest);
}

// For decodeFieldsDirect: per kind, the values of keys 0 and 1 (type, version) and the other fields.
const HEAD_VALUES = Object.fromEntries(Object.entries(TYPE).map(([k, t]) => [k, [t, VERSION]])) as Record<ObjectKind, number[]>;
const BODY_FIELDS = Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, f.filter((x) => x.key > 1)])) as Record<ObjectKind, FieldSpec[]>;

/** The signed payload bytes of an object (deterministic CBOR). Throws SchemaError on an invalid object. */
export function encodePayload<K extends ObjectKind>(kind: K, obj: ObjectOf[K]): Uint8Array {
  return encodeCbor(encodeFields(toWire(kind, obj), FIELDS[kind]));
}

export async function signObject<K extends ObjectKind>(kind: K, obj: ObjectOf[K], signer: Signer): Promise<Uint8Array> {
  const bytes = await signSign1(encodePayload(kind, obj), signer);
  if (bytes.length > MAX_BYTES[kind]) throw new SchemaError(`${kind} is ${bytes.length} bytes, over its bound of ${MAX_BYTES[kind]}`);
  return bytes;
}

/** The kind of a COSE object without verifying it (for routing); undefined when unparseable. */
export function peekKind(bytes: Uint8Array): ObjectKind | undefined {
  try {
    const s = decodeSign1(bytes);
    const m = decodeCbor(s.payload, 1_000_000);
    return m instanceof Map ? KIND_BY_TYPE.get(m.get(0) as number) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Structural decoding: size bound first, then strict COSE, strict CBOR, type, version and fields.
 * Signatures are NOT checked here (see verify.ts). Never throws. The result's byte fields are views
 * into `bytes` (no copies on the payment path): do not modify `bytes` while the result is in use.
 */
export function decodeObject<K extends ObjectKind>(kind: K, bytes: Uint8Array): Verified<Decoded<K>> {
  if (bytes.length > MAX_BYTES[kind]) return reject('TOO_LARGE', `${bytes.length} bytes > ${MAX_BYTES[kind]}`);
  let sign1: Sign1;
  try {
    sign1 = decodeSign1(bytes);
  } catch (e) {
    if (e instanceof CoseError && e.unsupported) return reject('UNSUPPORTED_VERSION', e.message);
    return reject('MALFORMED', `COSE: ${(e as Error).message}`);
  }
  // Byte-string fields are views into `bytes`, which the Decoded object keeps anyway. The direct
  // decoder handles every well-formed object; anything it declines goes the generic way below.
  const direct = decodeFieldsDirect(sign1.payload, MAX_ITEMS[kind], HEAD_VALUES[kind], BODY_FIELDS[kind]);
  if (direct !== undefined) return { ok: true, value: { kind, bytes, sign1, value: wireModes(kind, direct) as unknown as ObjectOf[K] } };
  let m;
  try {
    m = decodeCborViews(sign1.payload, MAX_ITEMS[kind]);
  } catch (e) {
    return reject('MALFORMED', `payload: ${(e as CborError).message}`);
  }
  if (!(m instanceof Map)) return reject('MALFORMED', 'payload is not a map');
  const type = m.get(0);
  if (type !== TYPE[kind]) {
    const other = typeof type === 'number' ? KIND_BY_TYPE.get(type) : undefined;
    return reject(other ? 'WRONG_TYPE' : 'MALFORMED', `expected ${kind}, got ${other ?? String(type)}`);
  }
  if (m.get(1) !== VERSION) return reject('UNSUPPORTED_VERSION', `version ${String(m.get(1))}`);
  try {
    const value = fromWire(kind, decodeFields(m, FIELDS[kind])) as ObjectOf[K];
    return { ok: true, value: { kind, bytes, sign1, value } };
  } catch (e) {
    if (e instanceof SchemaError) return reject('MALFORMED', e.message);
    throw e;
  }
}

export function toQrText(kind: ObjectKind, bytes: Uint8Array): string {
  return PREFIX[kind] + base45Encode(bytes);
}

/** Largest QR text accepted per kind: Base45 of MAX_BYTES plus the prefix. */
export function maxQrText(kind: ObjectKind): number {
  return PREFIX[kind].length + Math.ceil(MAX_BYTES[kind] / 2) * 3;
}

/** QR text → COSE bytes of the expected kind, bounded before decoding. */
export function fromQrText(kind: ObjectKind, text: string): Verified<Uint8Array> {
  if (text.length > maxQrText(kind)) return reject('TOO_LARGE', `${text.length} characters > ${maxQrText(kind)}`);
  if (!text.startsWith(PREFIX[kind])) {
    const other = KIND_BY_PREFIX.get(text.slice(0, 4));
    return reject(other ? 'WRONG_TYPE' : 'MALFORMED', other ? `a ${other} code, not a ${kind}` : 'unknown prefix');
  }
  try {
    return { ok: true, value: base45Decode(text, PREFIX[kind].length) };
  } catch (e) {
    return reject('MALFORMED', `Base45: ${(e as Error).message}`);
  }
}

export function kindOfQrText(text: string): ObjectKind | undefined {
  return KIND_BY_PREFIX.get(text.slice(0, 4));
}

/** Transaction id: SHA-256 of the signed payload only, so a re-encoded signature can never make a second id. */
export function transactionId(sign1: Sign1): Uint8Array {
  return sha256(sign1.payload);
}

/** Hash that chains journal records: SHA-256 of a record's complete COSE bytes. */
export function recordHash(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}

export { CborError, SchemaError };
