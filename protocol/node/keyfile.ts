// File-backed P-256 keys (PKCS#8 PEM, mode 0600): loading refuses a key that others can read.
import { createPrivateKey } from 'node:crypto';
import * as fsDefault from 'node:fs';
import { TesseraError } from '#common';
import { KeySigner } from '../signer.js';
import type { CryptoBackend } from '../crypto/index.js';
import { generateSecretKey } from '../crypto/index.js';
import { noble } from '../crypto/noble-lib.js';

export interface KeyFs {
  statSync(path: string): { mode: number };
  readFileSync(path: string, enc: 'utf8'): string;
  writeFileSync(path: string, data: string, opts: { mode: number; flag: string }): void;
  chmodSync(path: string, mode: number): void;
}

export function secretToPem(secret: Uint8Array): string {
  const { p256 } = noble();
  const P = p256.Point.fromBytes(p256.getPublicKey(secret, false)).toAffine();
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  const coord = (n: bigint) => b64(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
  const key = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64(secret), x: coord(P.x), y: coord(P.y) }, format: 'jwk' });
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function pemToSecret(pem: string): Uint8Array {
  const jwk = createPrivateKey({ key: pem, format: 'pem' }).export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new Error('not a P-256 private key');
  return new Uint8Array(Buffer.from(jwk.d, 'base64url'));
}

/** Loads a key file as a Signer. Refuses group/other-readable files: a leaked terminal key forges payments' records. */
export function loadKeyFile(path: string, backend?: CryptoBackend, fs: KeyFs = fsDefault): KeySigner {
  let mode: number;
  try {
    mode = fs.statSync(path).mode;
  } catch (e) {
    throw new TesseraError('KEY_INVALID', `key file ${path} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if ((mode & 0o077) !== 0) {
    throw new TesseraError('KEY_PERMISSIONS', `key file ${path} has mode ${(mode & 0o777).toString(8)}; it must be 0600 (run: chmod 600 ${path})`);
  }
  try {
    return new KeySigner(pemToSecret(fs.readFileSync(path, 'utf8')), backend);
  } catch (e) {
    throw new TesseraError('KEY_INVALID', `key file ${path} is not a P-256 private key: ${(e as Error).message}`, { cause: e });
  }
}

/** Writes a new key with mode 0600; refuses to overwrite an existing file (keys are never replaced silently). */
export function createKeyFile(path: string, backend?: CryptoBackend, fs: KeyFs = fsDefault, secret: Uint8Array = generateSecretKey()): KeySigner {
  try {
    fs.writeFileSync(path, secretToPem(secret), { mode: 0o600, flag: 'wx' });
    fs.chmodSync(path, 0o600);
  } catch (e) {
    throw new TesseraError('FILE_WRITE_FAILED', `cannot create key file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return new KeySigner(secret, backend);
}
