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

/** Approved, not yet acknowledged amount of one purse at this terminal (O(1): the store keeps the totals). */
export function unsyncedForPurse(store: Store, purseId: Uint8Array): number {
  return store.unsyncedForPurse(purseId);
}

/** The first limit a payment would break, checked in the documented order. */
export function checkLimits(store: Store, limits: Limits, x: LimitInput): LimitResult {
  const ageH = (s: number) => (x.nowMs - s * 1000) / H;
  if (ageH(x.trustIssuedAt) > limits.trustListMaxAgeHours) return { ok: false, reason: 'TRUST_STALE', detail: `trust list is ${ageH(x.trustIssuedAt).toFixed(1)} h old` };
  const dl = x.denylistIssuedAt ?? x.trustIssuedAt;
  if (ageH(dl) > limits.denylistMaxAgeHours) return { ok: false, reason: 'TRUST_STALE', detail: `deny list is ${ageH(dl).toFixed(1)} h old` };

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
