// The fast backend: Node's built-in OpenSSL (node:crypto), ~40x faster than pure JS on this machine.
import type * as NodeCrypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { BytesMap } from '../bytes-map.js';
import type { CryptoBackend } from './backend.js';
import { normalizeLowS, publicKeyOf } from './backend.js';

// node:crypto through process.getBuiltinModule, not a static import: protocol/ is also bundled for
// browsers (the wallet app), where this module must load (and is simply never instantiated).
function nodeCrypto(): typeof NodeCrypto {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const m = proc?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined;
  if (!m) throw new Error('NodeBackend needs node:crypto (Node ≥ 20.16); use NobleBackend on this platform');
  return m;
}

/** True where node:crypto is available (Node), so the fast backend can be the default. */
export function hasNodeCrypto(): boolean {
  return typeof (globalThis as { process?: { getBuiltinModule?: unknown } }).process?.getBuiltinModule === 'function';
}

// SubjectPublicKeyInfo prefix for an id-ecPublicKey/prime256v1 key with a 33-byte compressed point.
const SPKI_COMPRESSED_PREFIX = fromHexBytes('3039301306072a8648ce3d020106082a8648ce3d030107032200');

function fromHexBytes(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g) ?? [], (x) => Number.parseInt(x, 16));
}
const CACHE_LIMIT = 4096;

interface VerifyKey {
  key: KeyObject;
  dsaEncoding: 'ieee-p1363';
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}

export class NodeBackend implements CryptoBackend {
  readonly name = 'node' as const;
  private readonly c = nodeCrypto();
  // KeyObject creation costs about as much as a verification; issuers and wallets repeat. The cache
  // holds the ready verify options so a hit allocates nothing.
  private readonly pubCache = new BytesMap<VerifyKey | null>(CACHE_LIMIT);
  private readonly privCache = new Map<string, KeyObject>();

  private publicKeyObject(pub: Uint8Array): VerifyKey | null {
    let k = this.pubCache.get(pub);
    if (k !== undefined) return k;
    try {
      k = pub.length === 33 ? { key: this.c.createPublicKey({ key: Buffer.concat([SPKI_COMPRESSED_PREFIX, pub]), format: 'der', type: 'spki' }), dsaEncoding: 'ieee-p1363' } : null;
    } catch {
      k = null;
    }
    this.pubCache.set(pub, k);
    return k;
  }

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const key = this.publicKeyObject(publicKey);
    if (!key || signature.length !== 64) return false;
    try {
      return this.c.verify('sha256', message, key, signature);
    } catch {
      return false;
    }
  }

  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
    const hex = Buffer.from(secretKey).toString('hex');
    let key = this.privCache.get(hex);
    if (!key) {
      const P = publicKeyOf(secretKey, false); // 0x04 || x || y
      key = this.c.createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64url(secretKey), x: b64url(P.subarray(1, 33)), y: b64url(P.subarray(33, 65)) }, format: 'jwk' });
      if (this.privCache.size >= 64) this.privCache.clear();
      this.privCache.set(hex, key);
    }
    // OpenSSL emits high-S half the time; we publish only the low-S form (see protocol.md, malleability).
    return normalizeLowS(new Uint8Array(this.c.sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' })));
  }
}
