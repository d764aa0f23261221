// Wallet challenges: random, short-lived, bound to one account, verified by any API process from a key in the home.
//
// Stateless, MAC'd with a key every API process of one back office reads from its home (as they read
// the issuer key), so any process verifies a challenge another one gave out, with no table to write,
// share or sweep. Single use is where it matters, in the ledger: the purse a challenge buys is issued
// under an issuance id derived from the challenge's nonce (requestId), so a second use meets the purse
// already issued under it (the ledger's issuance ids are shared by every process) and is either a
// retry of the same request (answered with that purse) or refused.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '#common';

/** How long a challenge can be answered (s): long enough for a phone to sign, short enough to be fresh. */
export const CHALLENGE_TTL_SECONDS = 300;

const VERSION = 1;
const NONCE_BYTES = 16;
const MAC_BYTES = 32;
// version | nonce | expiresAt (u64 BE) | MAC
const TOKEN_BYTES = 1 + NONCE_BYTES + 8 + MAC_BYTES;
const KEY_FILE = 'wallet-challenge.key';

export interface IssuedChallenge {
  /** Opaque base64url text; the wallet signs its ASCII bytes (protocol/wallet-proof.ts). */
  challenge: string;
  expiresAt: number;
}

/** Reads the home's challenge key, creating it (0600) on first use; two processes creating it at once agree on the first file written. */
export function loadChallengeKey(home: string): Uint8Array {
  const path = join(home, KEY_FILE);
  const read = (): Uint8Array | undefined => {
    try {
      const hex = readFileSync(path, 'utf8').trim();
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new TesseraError('KEY_INVALID', `${path} must hold 64 hex characters`);
      return new Uint8Array(Buffer.from(hex, 'hex'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  };
  const existing = read();
  if (existing) return existing;
  try {
    writeFileSync(path, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new TesseraError('FILE_WRITE_FAILED', `cannot create ${path}: ${(e as Error).message}`, { cause: e });
  }
  const created = read();
  if (!created) throw new TesseraError('KEY_INVALID', `${path} vanished while being created`);
  return created;
}

export class Challenges {
  constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds = CHALLENGE_TTL_SECONDS,
  ) {}

  private mac(label: string, account: string, body: Uint8Array): Buffer {
    return createHmac('sha256', this.key).update(`${label}\0${account}\0`).update(body).digest();
  }

  /** A new challenge for `account`, valid until now + TTL. */
  issue(account: string, now: number): IssuedChallenge {
    const body = Buffer.alloc(1 + NONCE_BYTES + 8);
    body.writeUInt8(VERSION, 0);
    randomBytes(NONCE_BYTES).copy(body, 1);
    const expiresAt = now + this.ttlSeconds;
    body.writeBigUInt64BE(BigInt(expiresAt), 1 + NONCE_BYTES);
    return { challenge: Buffer.concat([body, this.mac('challenge', account, body)]).toString('base64url'), expiresAt };
  }

  /**
   * The challenge's nonce when it is one of ours, for this account, and not expired. Forged, altered,
   * another account's: CHALLENGE_INVALID; too old: CHALLENGE_EXPIRED.
   */
  check(account: string, challenge: string, now: number): { nonce: Uint8Array; expiresAt: number } {
    const raw = /^[A-Za-z0-9_-]+$/.test(challenge) ? Buffer.from(challenge, 'base64url') : Buffer.alloc(0);
    if (raw.length !== TOKEN_BYTES || raw.readUInt8(0) !== VERSION) throw new TesseraError('CHALLENGE_INVALID', 'not a challenge this back office issued');
    const body = raw.subarray(0, TOKEN_BYTES - MAC_BYTES);
    if (!timingSafeEqual(raw.subarray(TOKEN_BYTES - MAC_BYTES), this.mac('challenge', account, body))) {
      throw new TesseraError('CHALLENGE_INVALID', 'challenge not issued by this back office for this account');
    }
    const expiresAt = Number(body.readBigUInt64BE(1 + NONCE_BYTES));
    if (now > expiresAt) throw new TesseraError('CHALLENGE_EXPIRED', `challenge expired at ${expiresAt}; ask for a new one`);
    return { nonce: new Uint8Array(body.subarray(1, 1 + NONCE_BYTES)), expiresAt };
  }

  /**
   * An issuance id (IssuePurseOptions.id) derived from secret material and a request: the same request
   * always names the same issuance (so the ledger makes it single use), and no one without the key can
   * predict or collide with it. `parts` must identify the request completely (account, challenge nonce
   * or idempotency key).
   */
  requestId(label: string, ...parts: (string | Uint8Array)[]): string {
    const h = createHmac('sha256', this.key).update(`purse:${label}`);
    for (const p of parts) h.update('\0').update(p);
    return `wallet-${label}:${h.digest().subarray(0, 16).toString('hex')}`;
  }
}
