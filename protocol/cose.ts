// COSE_Sign1 (RFC 9052) with ES256 only: protected {alg:-7, kid}, empty unprotected, embedded payload.
import type { CborError} from './cbor.js';
import { type CborMap, type CborValue, decodeCbor, encodeCbor, headLength, writeHead } from './cbor.js';
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
  const out = new Uint8Array(sigStructureLength(protectedBytes, payload));
  writeSigStructure(out, protectedBytes, payload);
  return out;
}

const MAJOR_BSTR = 2;

// 0x84 (array of 4), then the text string "Signature1".
const SIG1_PREFIX = Uint8Array.of(0x84, 0x6a, ...new TextEncoder().encode('Signature1'));

function sigStructureLength(protectedBytes: Uint8Array, payload: Uint8Array): number {
  return SIG1_PREFIX.length + headLength(protectedBytes.length) + protectedBytes.length + 1 + headLength(payload.length) + payload.length;
}

/** Byte-for-byte encodeCbor(['Signature1', protectedBytes, h'', payload]) into `out` (exactly sigStructureLength bytes). */
function writeSigStructure(out: Uint8Array, protectedBytes: Uint8Array, payload: Uint8Array): void {
  out.set(SIG1_PREFIX, 0);
  let o = writeHead(out, SIG1_PREFIX.length, MAJOR_BSTR, protectedBytes.length);
  out.set(protectedBytes, o);
  o += protectedBytes.length;
  out[o++] = 0x40; // external_aad: empty byte string
  o = writeHead(out, o, MAJOR_BSTR, payload.length);
  out.set(payload, o);
}

// verifySign1 builds every Sig_structure in this one buffer instead of allocating one per signature:
// backends verify synchronously and keep nothing of the message (CryptoBackend.verify).
let scratch = new Uint8Array(2048);

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

/**
 * Parses tagged COSE_Sign1 strictly. Throws CborError (bad CBOR) or CoseError (bad structure).
 * The fields are views into `bytes` (which the caller keeps as the object's bytes anyway).
 */
export function decodeSign1(bytes: Uint8Array): Sign1 {
  return exactSign1(bytes) ?? decodeSign1Generic(bytes);
}

// Everything decodeSign1 accepts with a payload under 64 KiB is exactly these bytes (one canonical
// encoding per value): d2 tag 18 | 84 array(4) | 4d bstr(13): a2 01 26 04 48 <kid 8> = {1: -7, 4: kid}
// | a0 {} | payload bstr with its shortest head | 58 40 <signature 64>. Matched without building any
// CBOR value; anything else goes through the generic decoder, which accepts or names the fault.
const EXACT_PREFIX = Uint8Array.of(0xd2, 0x84, 0x4d, 0xa2, 0x01, 0x26, 0x04, 0x48);
const KID_AT = EXACT_PREFIX.length;
const UNPROTECTED_AT = KID_AT + 8;

function exactSign1(b: Uint8Array): Sign1 | undefined {
  if (b.length < UNPROTECTED_AT + 2 + 66) return undefined;
  for (let i = 0; i < KID_AT; i++) if (b[i] !== EXACT_PREFIX[i]) return undefined;
  if (b[UNPROTECTED_AT] !== 0xa0) return undefined;
  const h = b[UNPROTECTED_AT + 1] as number;
  let at = UNPROTECTED_AT + 2;
  let len: number;
  if (h >= 0x40 && h < 0x58) len = h - 0x40;
  else if (h === 0x58) len = b[at++] as number;
  else if (h === 0x59) {
    len = ((b[at] as number) << 8) | (b[at + 1] as number);
    at += 2;
  } else return undefined;
  if ((h === 0x58 && len < 24) || (h === 0x59 && len < 0x100)) return undefined; // non-shortest head
  const sigAt = at + len + 2;
  if (sigAt + 64 !== b.length || b[sigAt - 2] !== 0x58 || b[sigAt - 1] !== 0x40) return undefined;
  const view = (off: number, n: number) => new Uint8Array(b.buffer, b.byteOffset + off, n);
  return { protectedBytes: view(3, 13), kid: view(KID_AT, 8), payload: view(at, len), signature: view(sigAt, 64) };
}

function decodeSign1Generic(bytes: Uint8Array): Sign1 {
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
  const n = sigStructureLength(s.protectedBytes, s.payload);
  if (n > scratch.length) scratch = new Uint8Array(n);
  writeSigStructure(scratch, s.protectedBytes, s.payload);
  return backend.verify(publicKey, new Uint8Array(scratch.buffer, 0, n), s.signature);
}
