// COSE_Sign1 (RFC 9052) with ES256 only: protected {alg:-7, kid}, empty unprotected, embedded payload.
import type { CborError} from './cbor.js';
import { type CborMap, type CborValue, decodeCbor, encodeCbor } from './cbor.js';
import type { CryptoBackend } from './crypto/index.js';
import { isCanonicalSignature } from './crypto/index.js';
import type { Signer } from './signer.js';

export const COSE_SIGN1_TAG = 18;
export const ALG_ES256 = -7;
const HDR_ALG = 1;
const HDR_KID = 4;

export interface Sign1 {
  /** The protected header exactly as signed. */
  protectedBytes: Uint8Array;
  kid: Uint8Array;
  /** The payload bytes exactly as signed (a CBOR map for every Tessera object). */
  payload: Uint8Array;
  signature: Uint8Array;
}

/** Thrown by decodeSign1 for structures that are not COSE_Sign1/ES256; `unsupported` marks a foreign algorithm. */
export class CoseError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
    this.name = 'CoseError';
  }
}

/** The exact bytes that are signed: Sig_structure = ["Signature1", protected, external_aad = h'', payload]. */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  // Byte-for-byte encodeCbor(['Signature1', protectedBytes, h'', payload]), built in one allocation
  // because it is computed for every signature checked.
  const ph = bstrHead(protectedBytes.length);
  const pl = bstrHead(payload.length);
  const out = new Uint8Array(SIG1_PREFIX.length + ph.length + protectedBytes.length + 1 + pl.length + payload.length);
  let o = 0;
  out.set(SIG1_PREFIX, o);
  o += SIG1_PREFIX.length;
  out.set(ph, o);
  o += ph.length;
  out.set(protectedBytes, o);
  o += protectedBytes.length;
  out[o++] = 0x40; // external_aad: empty byte string
  out.set(pl, o);
  o += pl.length;
  out.set(payload, o);
  return out;
}
// 0x84 (array of 4), then the text string "Signature1".
const SIG1_PREFIX = Uint8Array.of(0x84, 0x6a, ...new TextEncoder().encode('Signature1'));

function bstrHead(n: number): Uint8Array {
  if (n < 24) return Uint8Array.of(0x40 | n);
  if (n < 0x100) return Uint8Array.of(0x58, n);
  if (n < 0x10000) return Uint8Array.of(0x59, n >> 8, n & 0xff);
  return encodeCbor(new Uint8Array(n)).subarray(0, 5);
}

export function protectedHeader(kid: Uint8Array): Uint8Array {
  const m: CborMap = new Map<number, CborValue>([
    [HDR_ALG, ALG_ES256],
    [HDR_KID, kid],
  ]);
  return encodeCbor(m);
}

export async function signSign1(payload: Uint8Array, signer: Signer): Promise<Uint8Array> {
  const protectedBytes = protectedHeader(signer.kid);
  const signature = await signer.sign(sigStructure(protectedBytes, payload));
  return encodeCbor({ tag: COSE_SIGN1_TAG, value: [protectedBytes, new Map(), payload, signature] });
}

/** Parses tagged COSE_Sign1 strictly. Throws CborError (bad CBOR) or CoseError (bad structure). */
export function decodeSign1(bytes: Uint8Array): Sign1 {
  const top = decodeCbor(bytes, 16);
  if (typeof top !== 'object' || top instanceof Uint8Array || Array.isArray(top) || top instanceof Map || top.tag !== COSE_SIGN1_TAG) {
    throw new CoseError('not a tagged COSE_Sign1');
  }
  const arr = top.value;
  if (!Array.isArray(arr) || arr.length !== 4) throw new CoseError('COSE_Sign1 must be a 4-element array');
  const [protectedBytes, unprotected, payload, signature] = arr;
  if (!(protectedBytes instanceof Uint8Array)) throw new CoseError('protected header must be a byte string');
  if (!(unprotected instanceof Map) || unprotected.size !== 0) throw new CoseError('unprotected header must be an empty map');
  if (!(payload instanceof Uint8Array)) throw new CoseError('payload must be an embedded byte string');
  if (!(signature instanceof Uint8Array) || signature.length !== 64) throw new CoseError('signature must be 64 bytes r||s');
  let hdr: CborValue;
  try {
    hdr = decodeCbor(protectedBytes);
  } catch (e) {
    throw new CoseError(`protected header: ${(e as CborError).message}`);
  }
  if (!(hdr instanceof Map)) throw new CoseError('protected header must be a map');
  for (const k of hdr.keys()) if (k !== HDR_ALG && k !== HDR_KID) throw new CoseError(`unknown protected header ${k}`);
  const alg = hdr.get(HDR_ALG);
  const kid = hdr.get(HDR_KID);
  if (typeof alg !== 'number') throw new CoseError('alg missing');
  if (alg !== ALG_ES256) throw new CoseError(`unsupported alg ${alg}`, true);
  if (!(kid instanceof Uint8Array) || kid.length !== 8) throw new CoseError('kid must be 8 bytes');
  return { protectedBytes, kid, payload, signature };
}

/** Low-S and range first (so one payment has one signature), then the backend's verification. */
export function verifySign1(s: Sign1, publicKey: Uint8Array, backend: CryptoBackend): boolean {
  if (!isCanonicalSignature(s.signature)) return false;
  return backend.verify(publicKey, sigStructure(s.protectedBytes, s.payload), s.signature);
}
