// The crypto seam: ES256 sign/verify behind one interface, so node:crypto and @noble/curves are interchangeable.
import { BytesMap } from '../bytes-map.js';
import { noble } from './noble-lib.js';

/** P-256 group order n and n/2, for the low-S rule. */
export const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_N = P256_N >> 1n;

export interface CryptoBackend {
  readonly name: 'node' | 'noble';
  /**
   * True when `signature` (64-byte r||s, already checked low-S by the caller) is a valid ECDSA
   * P-256/SHA-256 signature of `message` under `publicKey` (33-byte compressed SEC1). Never throws:
   * a malformed key or signature is simply invalid. Synchronous, and keeps no reference to
   * `message`: callers may reuse its buffer as soon as this returns.
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** Signs with a 32-byte secret scalar; always returns a low-S 64-byte r||s signature. */
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
}

type OneShotHash = (alg: 'sha256', data: Uint8Array, enc: 'buffer') => Uint8Array;
type HashFactory = (alg: 'sha256') => { update(b: Uint8Array): { digest(): Uint8Array } };
type EcdhFactory = (curve: 'prime256v1') => { setPrivateKey(k: Uint8Array): void; getPublicKey(enc: null, format: 'compressed' | 'uncompressed'): Uint8Array };
// node:crypto hashes short inputs several times faster than pure JS (crypto.hash() from Node 20.12,
// else createHash). Browsers and React Native have no process.getBuiltinModule and use noble's SHA-256.
const nodeCrypto = (() => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:crypto') as { hash?: OneShotHash; createHash?: HashFactory; createECDH?: EcdhFactory } | undefined;
})();
const nodeHash = nodeCrypto?.hash;
const nodeCreateHash = nodeCrypto?.createHash;

export function sha256(b: Uint8Array): Uint8Array {
  const d = nodeHash ? nodeHash('sha256', b, 'buffer') : nodeCreateHash ? nodeCreateHash('sha256').update(b).digest() : undefined;
  return d ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : noble().sha256(b);
}

function bytesToBigint(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

export function bigintTo32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

const N_BYTES = bigintTo32(P256_N);
const HALF_N_BYTES = bigintTo32(HALF_N);

/** Big-endian comparison of 32-byte `a` (at offset `off` of a signature) with `b`: −1, 0 or 1. */
function cmp32(sig: Uint8Array, off: number, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = sig[off + i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function isZero32(sig: Uint8Array, off: number): boolean {
  for (let i = 0; i < 32; i++) if (sig[off + i] !== 0) return false;
  return true;
}

/** r and s in [1, n−1] and s ≤ n/2: the one encoding of each signature we accept (no malleability). */
export function isCanonicalSignature(sig: Uint8Array): boolean {
  if (sig.length !== 64) return false;
  // Byte comparisons against big-endian constants: same rule as the bigint form, without allocations.
  return !isZero32(sig, 0) && cmp32(sig, 0, N_BYTES) < 0 && !isZero32(sig, 32) && cmp32(sig, 32, HALF_N_BYTES) <= 0;
}

/** Maps a high-S signature to its low-S twin (both verify; we only ever emit and accept the low one). */
export function normalizeLowS(sig: Uint8Array): Uint8Array {
  if (sig.length === 64 && cmp32(sig, 32, HALF_N_BYTES) <= 0) return sig; // the usual half: no bigint work
  const s = bytesToBigint(sig.subarray(32));
  if (s <= HALF_N) return sig;
  const out = new Uint8Array(64);
  out.set(sig.subarray(0, 32));
  out.set(bigintTo32(P256_N - s), 32);
  return out;
}

/** Key pair helpers shared by both backends (key generation and parsing are noble's in either case, loaded on first use). */
export function generateSecretKey(): Uint8Array {
  return noble().p256.utils.randomSecretKey();
}

/**
 * SEC1 public key of a secret scalar. On Node, OpenSSL derives it in microseconds; noble's first
 * call builds its base-point tables (~80 ms here), which a daemon would pay at every start.
 */
export function publicKeyOf(secretKey: Uint8Array, compressed = true): Uint8Array {
  const createECDH = nodeCrypto?.createECDH;
  if (createECDH && secretKey.length === 32) {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(secretKey);
    const pub = ecdh.getPublicKey(null, compressed ? 'compressed' : 'uncompressed');
    return new Uint8Array(pub.buffer, pub.byteOffset, pub.byteLength);
  }
  return noble().p256.getPublicKey(secretKey, compressed);
}

/** Accepts compressed (33) or uncompressed (65) SEC1 and returns compressed; throws on a point not on the curve. */
export function compressPublicKey(pub: Uint8Array): Uint8Array {
  return noble().p256.Point.fromBytes(pub).toBytes(true);
}

export function isValidPublicKey(pub: Uint8Array): boolean {
  try {
    noble().p256.Point.fromBytes(pub);
    return pub.length === 33;
  } catch {
    return false;
  }
}

/** kid: the first 8 bytes of SHA-256 of the compressed public key (protocol §kid). */
export function keyId(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).subarray(0, 8);
}

export function equalKid(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Kids of keys seen recently: a purse pays many times with one wallet key, and hashing the key again
// for every payment costs more than this lookup. Bounded like the backends' key-object caches.
const kidMemo = new BytesMap<Uint8Array>(4096);

/** equalKid(kid, keyId(publicKey)), with the key's kid remembered across calls. */
export function isKidOf(kid: Uint8Array, publicKey: Uint8Array): boolean {
  let k = kidMemo.get(publicKey);
  if (k === undefined) {
    k = keyId(publicKey);
    kidMemo.set(publicKey, k);
  }
  return equalKid(kid, k);
}
