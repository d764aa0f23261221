// The fast backend: Node's built-in OpenSSL (node:crypto), ~40x faster than pure JS on this machine.
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { BytesMap } from '../bytes-map.js';
import type { CryptoBackend } from './backend.js';
import { normalizeLowS, publicKeyOf } from './backend.js';

// SubjectPublicKeyInfo prefix for an id-ecPublicKey/prime256v1 key with a 33-byte compressed point.
const SPKI_COMPRESSED_PREFIX = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');
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
  // KeyObject creation costs about as much as a verification; issuers and wallets repeat. The cache
  // holds the ready verify options so a hit allocates nothing.
  private readonly pubCache = new BytesMap<VerifyKey | null>(CACHE_LIMIT);
  private readonly privCache = new Map<string, KeyObject>();

  private publicKeyObject(pub: Uint8Array): VerifyKey | null {
    let k = this.pubCache.get(pub);
    if (k !== undefined) return k;
    try {
      k = pub.length === 33 ? { key: createPublicKey({ key: Buffer.concat([SPKI_COMPRESSED_PREFIX, pub]), format: 'der', type: 'spki' }), dsaEncoding: 'ieee-p1363' } : null;
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
      return nodeVerify('sha256', message, key, signature);
    } catch {
      return false;
    }
  }

  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
    const hex = Buffer.from(secretKey).toString('hex');
    let key = this.privCache.get(hex);
    if (!key) {
      const P = publicKeyOf(secretKey, false); // 0x04 || x || y
      key = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64url(secretKey), x: b64url(P.subarray(1, 33)), y: b64url(P.subarray(33, 65)) }, format: 'jwk' });
      if (this.privCache.size >= 64) this.privCache.clear();
      this.privCache.set(hex, key);
    }
    // OpenSSL emits high-S half the time; we publish only the low-S form (see protocol.md, malleability).
    return normalizeLowS(new Uint8Array(nodeSign('sha256', message, { key, dsaEncoding: 'ieee-p1363' })));
  }
}
