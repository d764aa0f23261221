// Trust-list ceremonies: the offline root key signs the next list (renewal, new keys, retirement) from the current list alone.
import { TesseraError, isoSeconds } from '#common';
import {
  DAY,
  ROLE,
  fromHex,
  fromQrText,
  isValidPublicKey,
  keyId,
  signObject,
  toHex,
  toQrText,
  verifyTrustList,
  type CryptoBackend,
  type KeySigner,
  type TrustList,
  type TrustedKey,
} from '#protocol';

/** notBefore of a new key lies this far in the past, so a terminal whose clock runs a little behind accepts it. */
export const CLOCK_SKEW_ALLOWANCE = 3_600;

/** "terminals,purses,fleet" (names of ROLE, any case) as a bitmask. Every role the protocol defines is accepted. */
export function parseRoles(text: string): number {
  let mask = 0;
  for (const raw of text.split(',')) {
    const name = raw.trim().toUpperCase();
    const bit = (ROLE as Record<string, number>)[name];
    if (bit === undefined) throw new TesseraError('USAGE', `unknown role "${raw.trim()}" (roles: ${Object.keys(ROLE).join(', ')})`);
    mask |= bit;
  }
  if (mask === 0) throw new TesseraError('USAGE', 'a key needs at least one role');
  return mask;
}

/** The names of the roles in a bitmask; bits no role names (from a newer protocol) show as numbers. */
export function roleNames(mask: number): string[] {
  const out: string[] = [];
  let rest = mask;
  for (const [name, bit] of Object.entries(ROLE)) {
    if ((mask & bit) !== 0) {
      out.push(name);
      rest &= ~bit;
    }
  }
  for (let bit = 1; rest !== 0; bit <<= 1) {
    if ((rest & bit) !== 0) out.push(String(bit));
    rest &= ~bit;
  }
  return out;
}

export interface KeyView {
  kid: string;
  name: string | null;
  roles: string[];
  publicKey: string;
  notBefore: number;
  notAfter: number;
}

export interface TrustListView {
  version: number;
  issuedAt: number;
  keys: KeyView[];
}

export function describeTrustList(list: TrustList): TrustListView {
  return {
    version: list.version,
    issuedAt: list.issuedAt,
    keys: list.keys.map((k) => ({ kid: toHex(k.kid), name: k.name ?? null, roles: roleNames(k.roles), publicKey: toHex(k.publicKey), notBefore: k.notBefore, notAfter: k.notAfter })),
  };
}

export function formatTrustList(v: TrustListView): string {
  return [
    `trust list version ${v.version}, issued ${isoSeconds(v.issuedAt)}`,
    ...v.keys.map((k) => `  ${k.kid} ${k.name ?? '(unnamed)'} [${k.roles.join(',')}] ${isoSeconds(k.notBefore)} .. ${isoSeconds(k.notAfter)}`),
  ].join('\n');
}

/** Parses TL1 text and verifies it against the root public key; throws VERIFICATION_FAILED with the reason. */
export function readTrustList(text: string, rootPublicKey: Uint8Array, backend?: CryptoBackend): { list: TrustList; bytes: Uint8Array } {
  const b = fromQrText('TRUST_LIST', text.trim());
  if (!b.ok) throw new TesseraError('VERIFICATION_FAILED', `not a trust list: ${b.detail}`);
  const v = verifyTrustList(b.value, { rootPublicKey, ...(backend ? { backend } : {}) });
  if (!v.ok) throw new TesseraError('VERIFICATION_FAILED', `trust list refused: ${v.reason} (${v.detail})`);
  return { list: v.value.value, bytes: b.value };
}

export interface NewKey {
  /** Hex of the 33-byte compressed public key. */
  publicKey: string;
  roles: number;
  /** Validity from now, in days. */
  days: number;
  name?: string;
}

export interface NextListChanges {
  add?: NewKey[];
  /** Kids (hex) of keys to drop from the list. */
  retire?: string[];
}

export interface SignedNextList {
  list: TrustList;
  text: string;
  previousVersion: number;
  added: string[];
  retired: string[];
}

function newKey(k: NewKey, now: number): TrustedKey {
  let publicKey: Uint8Array;
  try {
    publicKey = fromHex(k.publicKey.trim().toLowerCase());
  } catch {
    throw new TesseraError('USAGE', 'a new key must be given as hex');
  }
  if (!isValidPublicKey(publicKey)) throw new TesseraError('USAGE', 'a new key must be a 33-byte compressed P-256 public key in hex');
  if (!Number.isSafeInteger(k.days) || k.days <= 0) throw new TesseraError('USAGE', `key validity must be a positive number of days, got ${k.days}`);
  return { kid: keyId(publicKey), publicKey, roles: k.roles, notBefore: now - CLOCK_SKEW_ALLOWANCE, notAfter: now + k.days * DAY, ...(k.name ? { name: k.name } : {}) };
}

/**
 * The next trust list: version + 1, issued now, every key of the current list carried over as it is
 * (whatever its roles) except the retired ones, plus the new ones. Needs only the root key and the
 * current list, so it runs on the offline machine; the current list must verify against that root.
 */
export async function signNextTrustList(root: KeySigner, currentText: string, changes: NextListChanges, now: number, backend?: CryptoBackend): Promise<SignedNextList> {
  const { list: current } = readTrustList(currentText, root.publicKey, backend);
  const retire = new Set((changes.retire ?? []).map((k) => k.trim().toLowerCase()));
  for (const kid of retire) {
    if (!current.keys.some((k) => toHex(k.kid) === kid)) throw new TesseraError('NOT_FOUND', `no key ${kid} in trust list version ${current.version}`);
  }
  const kept = current.keys.filter((k) => !retire.has(toHex(k.kid)));
  const added = (changes.add ?? []).map((k) => newKey(k, now));
  for (const k of added) {
    if (kept.some((c) => toHex(c.publicKey) === toHex(k.publicKey))) throw new TesseraError('ALREADY_EXISTS', `key ${toHex(k.kid)} is already in the trust list`);
  }
  const keys = [...kept, ...added];
  if (keys.length === 0) throw new TesseraError('USAGE', 'the new trust list would have no key');
  if (now < current.issuedAt) throw new TesseraError('USAGE', `this machine's clock (${new Date(now * 1000).toISOString()}) is before the current list's issue time: set the clock first`);
  const list: TrustList = { version: current.version + 1, issuedAt: now, keys };
  let bytes: Uint8Array;
  try {
    bytes = await signObject('TRUST_LIST', list, root);
  } catch (e) {
    throw new TesseraError('USAGE', `invalid trust list: ${(e as Error).message}`, { cause: e });
  }
  return { list, text: toQrText('TRUST_LIST', bytes), previousVersion: current.version, added: added.map((k) => toHex(k.kid)), retired: [...retire] };
}
