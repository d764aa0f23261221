// A tiny field-schema layer: integer-keyed CBOR maps ↔ typed objects, strictly (types, bounds, unknown keys).
import { type CborMap, type CborValue, CborMapReader } from './cbor.js';

export type FieldType =
  | { t: 'uint'; max: number; min?: number }
  | { t: 'int'; min: number; max: number }
  | { t: 'bstr'; len?: number; max?: number }
  | { t: 'tstr'; max: number; pattern?: RegExp }
  | { t: 'array'; of: FieldType; max: number; min?: number }
  | { t: 'map'; fields: readonly FieldSpec[] };

export interface FieldSpec {
  key: number;
  name: string;
  type: FieldType;
  optional?: boolean;
}

export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

/** Keys at or above this are non-critical extensions: signed, carried, ignored. Below it every key is critical. */
export const FIRST_EXTENSION_KEY = 1000;

function decodeValue(v: CborValue, type: FieldType, path: string): unknown {
  switch (type.t) {
    case 'uint':
      if (typeof v !== 'number' || v < 0) throw new SchemaError(`${path}: expected unsigned integer`);
      if (v > type.max || v < (type.min ?? 0)) throw new SchemaError(`${path}: ${v} out of range`);
      return v;
    case 'int':
      if (typeof v !== 'number') throw new SchemaError(`${path}: expected integer`);
      if (v > type.max || v < type.min) throw new SchemaError(`${path}: ${v} out of range`);
      return v;
    case 'bstr':
      if (!(v instanceof Uint8Array)) throw new SchemaError(`${path}: expected byte string`);
      if (type.len !== undefined && v.length !== type.len) throw new SchemaError(`${path}: expected ${type.len} bytes`);
      if (type.max !== undefined && v.length > type.max) throw new SchemaError(`${path}: longer than ${type.max} bytes`);
      return v;
    case 'tstr':
      if (typeof v !== 'string') throw new SchemaError(`${path}: expected text`);
      // Code points ≤ UTF-16 units, so only long strings need counting.
      if (v.length > type.max && [...v].length > type.max) throw new SchemaError(`${path}: longer than ${type.max} characters`);
      if (type.pattern && !type.pattern.test(v)) throw new SchemaError(`${path}: invalid format`);
      return v;
    case 'array':
      if (!Array.isArray(v)) throw new SchemaError(`${path}: expected array`);
      if (v.length > type.max || v.length < (type.min ?? 0)) throw new SchemaError(`${path}: ${v.length} items out of range`);
      return v.map((x, i) => decodeValue(x, type.of, `${path}[${i}]`));
    case 'map':
      if (!(v instanceof Map)) throw new SchemaError(`${path}: expected map`);
      return decodeFields(v, type.fields, path);
  }
}

const KNOWN = new WeakMap<readonly FieldSpec[], Set<number>>();

export function decodeFields(m: CborMap, fields: readonly FieldSpec[], path = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let known = KNOWN.get(fields);
  if (!known) {
    known = new Set(fields.map((f) => f.key));
    KNOWN.set(fields, known);
  }
  for (const f of fields) {
    const v = m.get(f.key);
    const p = path ? `${path}.${f.name}` : f.name;
    if (v === undefined) {
      if (!f.optional) throw new SchemaError(`${p}: missing (key ${f.key})`);
      continue;
    }
    out[f.name] = decodeValue(v, f.type, p);
  }
  for (const k of m.keys()) {
    if (!known.has(k) && k < FIRST_EXTENSION_KEY) throw new SchemaError(`${path || 'object'}: unknown critical key ${k}`);
  }
  return out;
}

/**
 * The hot-path twin of decodeFields(decodeCborViews(buf, maxItems), fields) for a top-level object:
 * reads the entries straight into the result, without a Map. Keys 0 … head.length − 1 must carry
 * exactly the values in `head` (type and version) and are left out of the result; `fields` are the
 * remaining fields, sorted by key. Returns undefined on anything else — an error, an unknown critical
 * key, a missing field — and the caller then takes the generic path, which finds and names the fault.
 */
export function decodeFieldsDirect(buf: Uint8Array, maxItems: number, head: readonly number[], fields: readonly FieldSpec[]): Record<string, unknown> | undefined {
  try {
    const r = new CborMapReader(buf, maxItems);
    const out: Record<string, unknown> = {};
    let heads = 0; // head keys seen, in order
    let next = 0; // index in `fields` of the first field not yet seen
    for (let i = 0; i < r.size; i++) {
      const k = r.key();
      const v = r.value();
      if (heads < head.length) {
        if (k !== heads || v !== head[k]) return undefined;
        heads++;
        continue;
      }
      // Keys arrive in ascending order: every field skipped over is missing and must be optional.
      while (next < fields.length && (fields[next] as FieldSpec).key < k) if (!(fields[next++] as FieldSpec).optional) return undefined;
      const f = fields[next];
      if (f !== undefined && f.key === k) {
        out[f.name] = decodeValue(v, f.type, f.name);
        next++;
      } else if (k < FIRST_EXTENSION_KEY) return undefined; // unknown critical key (extensions are signed, carried, ignored)
    }
    if (heads < head.length) return undefined;
    while (next < fields.length) if (!(fields[next++] as FieldSpec).optional) return undefined;
    r.end();
    return out;
  } catch {
    return undefined;
  }
}

function encodeValue(v: unknown, type: FieldType, path: string): CborValue {
  switch (type.t) {
    case 'uint':
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new SchemaError(`${path}: expected integer`);
      break;
    case 'array':
      if (!Array.isArray(v)) throw new SchemaError(`${path}: expected array`);
      return v.map((x, i) => encodeValue(x, type.of, `${path}[${i}]`));
    case 'map':
      return encodeFields(v as Record<string, unknown>, type.fields, path);
    default:
      break;
  }
  // Validate by decoding what we would write: the encoder can never emit what the decoder refuses.
  decodeValue(v as CborValue, type, path);
  return v as CborValue;
}

export function encodeFields(obj: Record<string, unknown>, fields: readonly FieldSpec[], path = ''): CborMap {
  const m: CborMap = new Map();
  for (const f of fields) {
    const v = obj[f.name];
    const p = path ? `${path}.${f.name}` : f.name;
    if (v === undefined) {
      if (!f.optional) throw new SchemaError(`${p}: missing`);
      continue;
    }
    m.set(f.key, encodeValue(v, f.type, p));
  }
  // Whole-object check (array bounds, nested maps) so the encoder never emits what the decoder refuses.
  decodeFields(m, fields, path);
  return m;
}
