// Offline risk limits on top of the purse's own cap: per purse, since last sync, time offline, trust age.
import type { ReasonCode } from '#protocol';
import type { Store } from '../store/index.js';
import type { TerminalConfig } from '../config.js';

export type Limits = TerminalConfig['limits'];

export interface LimitInput {
  purseId: Uint8Array;
  charge: number;
  /** Trusted now, ms. */
  nowMs: number;
  trustIssuedAt: number;
  /** Issue time (s) of the applied deny list, if any. */
  denylistIssuedAt: number | undefined;
  /** When the terminal started counting offline time if it never synced (ms). */
  offlineSinceMs: number;
}

export type LimitResult = { ok: true } | { ok: false; reason: ReasonCode; detail: string };

const H = 3_600_000;

/** A list is "stale-soon" once less than this share of its maximum age remains (status warns, payments still pass). */
export const STALE_SOON_SHARE = 0.25;

export type FreshnessState = 'fresh' | 'stale-soon' | 'stale';

export interface ListFreshness {
  /** Issue time of the list whose age counts (s). */
  issuedAt: number;
  ageHours: number;
  maxAgeHours: number;
  /** When payments start being declined as TRUST_STALE (s). */
  staleAt: number;
  state: FreshnessState;
}

export interface FleetFreshness {
  trust: ListFreshness;
  /** With no deny list installed, the trust list's issue time counts. */
  denylist: ListFreshness & { installed: boolean };
}

function listFreshness(issuedAt: number, maxAgeHours: number, nowMs: number): ListFreshness {
  const ageHours = (nowMs - issuedAt * 1000) / H;
  const state: FreshnessState = ageHours > maxAgeHours ? 'stale' : maxAgeHours - ageHours < maxAgeHours * STALE_SOON_SHARE ? 'stale-soon' : 'fresh';
  return { issuedAt, ageHours: Math.round(ageHours * 10) / 10, maxAgeHours, staleAt: issuedAt + Math.round(maxAgeHours * 3600), state };
}

/** How old the trust and deny lists are against their maximum ages: the one rule behind TRUST_STALE, status and warnings. */
export function fleetFreshness(limits: Pick<Limits, 'trustListMaxAgeHours' | 'denylistMaxAgeHours'>, nowMs: number, trustIssuedAt: number, denylistIssuedAt: number | undefined): FleetFreshness {
  return {
    trust: listFreshness(trustIssuedAt, limits.trustListMaxAgeHours, nowMs),
    denylist: { ...listFreshness(denylistIssuedAt ?? trustIssuedAt, limits.denylistMaxAgeHours, nowMs), installed: denylistIssuedAt !== undefined },
  };
}

/** Why every payment would be declined as TRUST_STALE now, or undefined. */
export function staleReason(f: FleetFreshness): string | undefined {
  if (f.trust.state === 'stale') return `trust list is ${f.trust.ageHours.toFixed(1)} h old (max ${f.trust.maxAgeHours} h)`;
  if (f.denylist.state === 'stale') return `deny list is ${f.denylist.ageHours.toFixed(1)} h old (max ${f.denylist.maxAgeHours} h)`;
  return undefined;
}

/** Approved, not yet acknowledged amount of one purse at this terminal (O(1): the store keeps the totals). */
export function unsyncedForPurse(store: Store, purseId: Uint8Array): number {
  return store.unsyncedForPurse(purseId);
}

/** The first limit a payment would break, checked in the documented order. */
export function checkLimits(store: Store, limits: Limits, x: LimitInput): LimitResult {
  const stale = staleReason(fleetFreshness(limits, x.nowMs, x.trustIssuedAt, x.denylistIssuedAt));
  if (stale) return { ok: false, reason: 'TRUST_STALE', detail: stale };

  const lastSync = store.lastSyncMs() ?? x.offlineSinceMs;
  const offlineH = (x.nowMs - lastSync) / H;
  if (offlineH > limits.maxOfflineHours) {
    if (limits.afterMaxOffline === 'refuse') return { ok: false, reason: 'TERMINAL_LIMIT', detail: `offline for ${offlineH.toFixed(1)} h` };
    if (x.charge > limits.lowerPaymentLimit) {
      return { ok: false, reason: 'TERMINAL_LIMIT', detail: `offline for ${offlineH.toFixed(1)} h: ${x.charge} > lowered limit ${limits.lowerPaymentLimit}` };
    }
  }
  const u = store.unsyncedApproved();
  if (u.count + 1 > limits.maxUnsyncedPayments) return { ok: false, reason: 'TERMINAL_LIMIT', detail: `${u.count} payments not yet synced` };
  if (u.amount + x.charge > limits.maxUnsyncedAmount) return { ok: false, reason: 'TERMINAL_LIMIT', detail: `${u.amount} + ${x.charge} unsynced > ${limits.maxUnsyncedAmount}` };
  const purse = unsyncedForPurse(store, x.purseId);
  if (purse + x.charge > limits.maxPerPurseOffline) {
    return { ok: false, reason: 'TERMINAL_LIMIT', detail: `purse ${purse} + ${x.charge} unsynced at this terminal > ${limits.maxPerPurseOffline}` };
  }
  return { ok: true };
}
