// Proof that a wallet holds its key: an ES256 signature over a back-office challenge, under a fixed context string.
import { concat, utf8 } from './bytes.js';
import { getDefaultBackend, isCanonicalSignature, isValidPublicKey, type CryptoBackend } from './crypto/index.js';
import type { Signer } from './signer.js';

/**
 * What precedes the challenge in the signed message. It starts with an ASCII letter, never 0x84 (a
 * CBOR 4-array, how every COSE Sig_structure starts), so no challenge a server picks can make the
 * wallet sign something a terminal would take for a payment or any other signed object.
 */
export const WALLET_PROOF_CONTEXT = 'TESSERA-WALLET-KEY-PROOF/1';

/** Longest challenge accepted (bytes): a back-office challenge is well under this. */
export const MAX_CHALLENGE_BYTES = 256;

/** The exact bytes a wallet signs (ES256: SHA-256 inside): context, one zero byte, the challenge bytes. */
export function walletProofMessage(challenge: Uint8Array): Uint8Array {
  return concat(utf8(WALLET_PROOF_CONTEXT), new Uint8Array([0]), challenge);
}

/** Signs a challenge with the wallet's key (reference wallet, tests): 64-byte low-S r‖s. */
export function signWalletProof(key: Signer, challenge: Uint8Array): Promise<Uint8Array> {
  return key.sign(walletProofMessage(challenge));
}

export type WalletProofResult = { ok: true } | { ok: false; reason: 'BAD_KEY' | 'BAD_SIGNATURE' | 'NOT_CANONICAL' | 'BAD_CHALLENGE' };

/**
 * Checks a proof: `publicKey` a 33-byte compressed P-256 point, `signature` 64-byte r‖s with r, s in
 * range and s ≤ n/2 (the one encoding accepted, as for every Tessera signature), valid over
 * walletProofMessage(challenge). Never throws.
 */
export function verifyWalletProof(publicKey: Uint8Array, challenge: Uint8Array, signature: Uint8Array, backend: CryptoBackend = getDefaultBackend()): WalletProofResult {
  if (!isValidPublicKey(publicKey)) return { ok: false, reason: 'BAD_KEY' };
  if (challenge.length === 0 || challenge.length > MAX_CHALLENGE_BYTES) return { ok: false, reason: 'BAD_CHALLENGE' };
  if (signature.length !== 64) return { ok: false, reason: 'BAD_SIGNATURE' };
  if (!isCanonicalSignature(signature)) return { ok: false, reason: 'NOT_CANONICAL' };
  return backend.verify(publicKey, walletProofMessage(challenge), signature) ? { ok: true } : { ok: false, reason: 'BAD_SIGNATURE' };
}
