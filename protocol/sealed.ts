// Sealed payment details: ECIES to the issuer's SEALED key (P-256 ECDH + HKDF-SHA256 + AES-256-GCM).
import { concat, utf8 } from './bytes.js';
import { noble } from './crypto/noble-lib.js';

const INFO = utf8('tessera/v1/sealed');
// A fresh ephemeral key makes every AES key single-use, so a fixed nonce is safe and saves 12 bytes in the QR.
const NONCE = new Uint8Array(12);

function deriveKey(sharedPoint: Uint8Array, ephemeralPub: Uint8Array): Uint8Array {
  const { hkdf, sha256 } = noble();
  return hkdf(sha256, sharedPoint.subarray(1), ephemeralPub, INFO, 32);
}

/** ephemeralPub(33) ‖ AES-256-GCM(ciphertext ‖ tag(16)). `ephemeralSecret` is for reproducible vectors only. */
export function seal(plaintext: Uint8Array, recipientPub: Uint8Array, ephemeralSecret: Uint8Array = noble().p256.utils.randomSecretKey()): Uint8Array {
  const { p256, gcm } = noble();
  const ephPub = p256.getPublicKey(ephemeralSecret, true);
  const key = deriveKey(p256.getSharedSecret(ephemeralSecret, recipientPub, true), ephPub);
  return concat(ephPub, gcm(key, NONCE).encrypt(plaintext));
}

/** Opens a sealed box; throws on a wrong key or any alteration (GCM authenticates). */
export function unseal(sealed: Uint8Array, recipientSecret: Uint8Array): Uint8Array {
  if (sealed.length < 33 + 16) throw new RangeError('sealed box too short');
  const { p256, gcm } = noble();
  const ephPub = sealed.subarray(0, 33);
  const key = deriveKey(p256.getSharedSecret(recipientSecret, ephPub, true), ephPub);
  return gcm(key, NONCE).decrypt(sealed.subarray(33));
}
