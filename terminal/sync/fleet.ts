// Verifies a fleet message (trust list, deny list, config) and applies it atomically through the store.
import { equalBytes, FLEET_KIND, TrustStore, verifyFleetMessage, verifyTrustList, type ReasonCode } from '#protocol';
import type { FleetKind, Store } from '../store/index.js';

/** Why a fleet message was not applied. DUPLICATE (the exact bytes already applied, e.g. a retained re-delivery) is not a refusal. */
export type FleetRefusal = ReasonCode | 'DUPLICATE';

export type FleetApplyResult = { applied: true; kind: FleetKind; version: number } | { applied: false; kind: FleetKind; reason: FleetRefusal; detail: string };

export const FLEET_KINDS: readonly FleetKind[] = ['trust', 'denylist', 'config'];

const trustCache = new WeakMap<Store, { version: number; trust: TrustStore }>();

/**
 * The TrustStore of the applied trust list, re-verified against the root key (the row could have
 * been written by an older build), or undefined when none is installed.
 */
export function appliedTrust(store: Store, rootPublicKey: Uint8Array): TrustStore | undefined {
  const row = store.fleet('trust');
  if (!row) return undefined;
  const cached = trustCache.get(store);
  if (cached && cached.version === row.version) return cached.trust;
  const v = verifyTrustList(row.bytes, { rootPublicKey });
  if (!v.ok) return undefined;
  const trust = new TrustStore(v.value.value);
  trustCache.set(store, { version: row.version, trust });
  return trust;
}

/**
 * Verifies `bytes` as a fleet message of `kind` and applies it in one transaction, or refuses it.
 * Trust lists must be signed by the root key; deny lists and configs by a FLEET key of the applied
 * trust list (and configs must target this terminal or the whole fleet). Versions must be newer than
 * the applied one. `nowMs` is trusted time, or null when the clock is not trusted (key validity windows
 * are then not checked; signatures and versions still are). Never throws for bad input.
 */
export function applyFleetBytes(
  store: Store,
  rootPublicKey: Uint8Array,
  kind: FleetKind,
  bytes: Uint8Array,
  nowMs: number | null,
  terminalId: string,
  appliedAtMs: number = nowMs ?? Date.now(),
): FleetApplyResult {
  const refuse = (reason: FleetRefusal, detail: string): FleetApplyResult => ({ applied: false, kind, reason, detail });
  const current = store.fleet(kind);
  if (current && equalBytes(current.bytes, bytes)) return refuse('DUPLICATE', `${kind} version ${current.version} already applied`);
  const now = nowMs === null ? null : Math.floor(nowMs / 1000);
  let version: number;
  let issuedAt: number;
  let denylist: Uint8Array[] | undefined;
  if (kind === 'trust') {
    const v = verifyTrustList(bytes, { rootPublicKey, ...(current ? { appliedVersion: current.version } : {}) });
    if (!v.ok) return refuse(v.reason, v.detail);
    ({ version, issuedAt } = v.value.value);
  } else {
    const trust = appliedTrust(store, rootPublicKey);
    if (!trust) return refuse('UNKNOWN_KEY', 'no trust list installed');
    const v = verifyFleetMessage(bytes, { trust, now, terminalId, ...(current ? { appliedVersion: current.version } : {}) });
    if (!v.ok) return refuse(v.reason, v.detail);
    const m = v.value.value;
    if (m.kind !== FLEET_KIND[kind]) return refuse('WRONG_TYPE', `a ${m.kind === FLEET_KIND.denylist ? 'denylist' : 'config'} message on the ${kind} channel`);
    ({ version, issuedAt } = m);
    denylist = m.denylist;
  }
  const ok = store.applyFleet(kind, { version, bytes, issuedAt, ...(denylist ? { denylist } : {}) }, appliedAtMs);
  if (!ok) return refuse('ROLLBACK', `${kind} version ${version} is not newer than the applied one`);
  return { applied: true, kind, version };
}
