// The verified trust list as a lookup: keys by kid and role, with validity, ready for fast verification.
import { decodeObject, type Decoded } from './codec.js';
import { verifySign1 } from './cose.js';
import type { CryptoBackend } from './crypto/index.js';
import { NobleBackend, equalKid, getDefaultBackend, keyId } from './crypto/index.js';
import { ROLE, type Role, type TrustList, type TrustedKey } from './objects.js';
import { type Verified, reject } from './reasons.js';
import { toHex } from './bytes.js';

export class TrustStore {
  readonly list: TrustList;
  readonly backend: CryptoBackend;
  private readonly byKid = new Map<string, TrustedKey[]>();

  constructor(list: TrustList, backend: CryptoBackend = getDefaultBackend()) {
    this.list = list;
    this.backend = backend;
    for (const k of list.keys) {
      const hex = toHex(k.kid);
      const arr = this.byKid.get(hex) ?? [];
      arr.push(k);
      this.byKid.set(hex, arr);
      // Issuer keys verify every payment: give noble its tables (node:crypto caches KeyObjects itself).
      if (backend instanceof NobleBackend) backend.precompute(k.publicKey);
    }
  }

  get version(): number {
    return this.list.version;
  }

  /** Every key with this kid carrying the role (kids may collide, so a verifier tries each). */
  keysFor(kid: Uint8Array, role: Role): TrustedKey[] {
    return (this.byKid.get(toHex(kid)) ?? []).filter((k) => (k.roles & ROLE[role]) !== 0);
  }

  /** The issuer's key for sealed payment details, if the list has one valid at `now`. */
  sealedKey(now: number): TrustedKey | undefined {
    return this.list.keys.find((k) => (k.roles & ROLE.SEALED) !== 0 && k.notBefore <= now && now <= k.notAfter);
  }
}

/**
 * Verifies a trust list against the root public key (the terminal's one trust anchor).
 * `appliedVersion`: the version already installed; an equal or lower one is a rollback.
 */
export function verifyTrustList(
  bytes: Uint8Array,
  ctx: { rootPublicKey: Uint8Array; appliedVersion?: number; backend?: CryptoBackend },
): Verified<Decoded<'TRUST_LIST'>> {
  const d = decodeObject('TRUST_LIST', bytes);
  if (!d.ok) return d;
  const backend = ctx.backend ?? getDefaultBackend();
  if (!equalKid(d.value.sign1.kid, keyId(ctx.rootPublicKey))) return reject('UNKNOWN_KEY', 'trust list not signed by the root key');
  if (!verifySign1(d.value.sign1, ctx.rootPublicKey, backend)) return reject('BAD_SIGNATURE', 'trust list signature');
  for (const k of d.value.value.keys) {
    if (!equalKid(k.kid, keyId(k.publicKey))) return reject('MALFORMED', 'trusted key kid does not match its public key');
  }
  if (ctx.appliedVersion !== undefined && d.value.value.version <= ctx.appliedVersion) {
    return reject('ROLLBACK', `trust list version ${d.value.value.version} ≤ applied ${ctx.appliedVersion}`);
  }
  return d;
}
