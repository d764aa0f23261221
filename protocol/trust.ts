// The verified trust list as a lookup: keys by kid and role, with validity, ready for fast verification.
import { decodeObject, type Decoded } from './codec.js';
import { verifySign1 } from './cose.js';
import type { CryptoBackend } from './crypto/index.js';
import { NobleBackend, equalKid, getDefaultBackend, keyId } from './crypto/index.js';
import { ROLE, type Role, type TrustList, type TrustedKey } from './objects.js';
import { type Verified, reject } from './reasons.js';
import { BytesMap } from './bytes-map.js';

/** Remembered issuer-signature successes per trust store. */
export const ISSUED_CACHE_LIMIT = 4096;

// One character per byte (WHATWG "latin1" is windows-1252: 256 distinct code points, so injective),
// natively on Node and in browsers; half the length of hex for these per-payment cache keys.
const latin1 = new TextDecoder('latin1');

function issuedKey(role: Role, bytes: Uint8Array): string {
  return role + ':' + latin1.decode(bytes);
}

const NONE: readonly TrustedKey[] = [];

export class TrustStore {
  readonly list: TrustList;
  readonly backend: CryptoBackend;
  private readonly byKid = new BytesMap<TrustedKey[]>();
  // Issuer signatures that verified under this list, by role and exact object bytes (see cachedIssued).
  private readonly issued = new Map<string, unknown>();

  private readonly issuedLimit: number;

  /** `opts.issuedCacheSize`: remembered issuer-signature successes (default ISSUED_CACHE_LIMIT; 0 disables). */
  constructor(list: TrustList, backend: CryptoBackend = getDefaultBackend(), opts: { issuedCacheSize?: number } = {}) {
    this.list = list;
    this.backend = backend;
    this.issuedLimit = opts.issuedCacheSize ?? ISSUED_CACHE_LIMIT;
    for (const k of list.keys) {
      const arr = this.byKid.get(k.kid) ?? [];
      arr.push(k);
      this.byKid.set(k.kid, arr);
      // Issuer keys verify every payment: give noble its tables (node:crypto caches KeyObjects itself).
      if (backend instanceof NobleBackend) backend.precompute(k.publicKey);
    }
  }

  get version(): number {
    return this.list.version;
  }

  /** Every key with this kid carrying the role (kids may collide, so a verifier tries each). */
  keysFor(kid: Uint8Array, role: Role): TrustedKey[] {
    const bit = ROLE[role];
    const out: TrustedKey[] = [];
    for (const k of this.byKid.get(kid) ?? NONE) if ((k.roles & bit) !== 0) out.push(k);
    return out;
  }

  /**
   * A purse certificate shown again (same purse, next payment) carries the same issuer signature over
   * the same bytes, and the answer cannot change while this list is installed: a successful check is
   * remembered (bounded LRU, successes only). Validity windows are not cached: callers check them
   * against the current time on every use.
   */
  cachedIssued<T>(role: Role, bytes: Uint8Array): T | undefined {
    if (this.issued.size === 0) return undefined;
    const k = issuedKey(role, bytes);
    const v = this.issued.get(k);
    if (v === undefined) return undefined;
    this.issued.delete(k);
    this.issued.set(k, v);
    return v as T;
  }

  rememberIssued(role: Role, bytes: Uint8Array, value: unknown): void {
    if (this.issuedLimit <= 0) return;
    const k = issuedKey(role, bytes);
    this.issued.delete(k);
    this.issued.set(k, value);
    if (this.issued.size > this.issuedLimit) {
      const oldest = this.issued.keys().next();
      if (!oldest.done) this.issued.delete(oldest.value);
    }
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
