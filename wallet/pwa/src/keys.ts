// The wallet key: a WebCrypto P-256 key created non-extractable (it can sign, never leave the browser), as a protocol Signer.
import { compressPublicKey, keyId, normalizeLowS, type Signer } from '../../../protocol/portable.js';

export interface StoredKey {
  /** Non-extractable: structured-clones into IndexedDB, but exportKey() refuses it. */
  privateKey: CryptoKey;
  /** 33-byte compressed SEC1. */
  publicKey: Uint8Array;
}

const ALG: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

export async function generateWalletKey(): Promise<StoredKey> {
  const pair = await crypto.subtle.generateKey(ALG, false, ['sign']);
  // The public half is always exportable; we keep its compressed form (what purse certificates name).
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: compressPublicKey(raw) };
}

/** WebCrypto signs ECDSA as r‖s (IEEE P1363, 64 bytes): the COSE form. Half of them are high-S; protocol accepts only low-S. */
export class WebCryptoSigner implements Signer {
  readonly kid: Uint8Array;
  constructor(private readonly key: StoredKey) {
    this.kid = keyId(key.publicKey);
  }
  get publicKey(): Uint8Array {
    return this.key.publicKey;
  }
  async sign(message: Uint8Array): Promise<Uint8Array> {
    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, this.key.privateKey, message as BufferSource));
    return normalizeLowS(sig);
  }
}
