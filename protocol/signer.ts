// The Signer seam: a public key and a sign function, so a secure element or TPM can replace a key file.
import type { CryptoBackend } from './crypto/index.js';
import { getDefaultBackend, publicKeyOf, keyId, generateSecretKey } from './crypto/index.js';
import { toHex } from './bytes.js';

export interface Signer {
  /** 33-byte compressed SEC1 P-256 public key. */
  readonly publicKey: Uint8Array;
  /** kid: first 8 bytes of SHA-256(publicKey). */
  readonly kid: Uint8Array;
  /** ES256 over `message` (hashed inside); resolves to a low-S 64-byte r||s signature. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** A signer holding the secret scalar in memory (loaded from a key file, or generated for tests). */
export class KeySigner implements Signer {
  readonly publicKey: Uint8Array;
  readonly kid: Uint8Array;
  readonly #secret: Uint8Array;
  readonly #backend: CryptoBackend;

  constructor(secretKey: Uint8Array, backend: CryptoBackend = getDefaultBackend()) {
    this.#secret = secretKey;
    this.#backend = backend;
    this.publicKey = publicKeyOf(secretKey);
    this.kid = keyId(this.publicKey);
  }

  static generate(backend?: CryptoBackend): KeySigner {
    return new KeySigner(generateSecretKey(), backend);
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return this.#backend.sign(this.#secret, message);
  }

  /** The secret, for ECDH (sealed details) and for writing a key file. Never log it. */
  secretKey(): Uint8Array {
    return this.#secret;
  }

  // Keep secrets out of logs and JSON by accident.
  toJSON(): { publicKey: string } {
    return { publicKey: toHex(this.publicKey) };
  }
}
