// The terminal status message (JSON, retained on tessera/v1/terminals/{id}/status): its shape, builder and defensive parser.
import { type Verified, reject } from '../reasons.js';

/** Largest status payload read; a terminal's is a few hundred bytes. */
export const MAX_STATUS_BYTES = 16_384;

export interface FleetVersions {
  trust: number | null;
  denylist: number | null;
  config: number | null;
}

/** How old one of the terminal's lists is against its maximum age (TRUST_STALE once `state` is stale). */
export interface ListFreshnessStatus {
  /** Issue time of the list whose age counts (s). */
  issuedAt: number;
  ageHours: number;
  maxAgeHours: number;
  /** When payments start being declined as TRUST_STALE (s). */
  staleAt: number;
  state: 'fresh' | 'stale-soon' | 'stale';
}

export interface StatusFreshness {
  trust: ListFreshnessStatus;
  denylist: ListFreshnessStatus & { installed: boolean };
}

/** Whether the terminal's journal takes writes: STORAGE_FAILED (a full or failing disk) means it declines every payment. */
export type StorageStatus = { ok: true } | { ok: false; error: 'STORAGE_FAILED'; detail: string };

/** Longest storage fault detail carried (SQLite's message; longer ones are clipped by the sender). */
export const MAX_STORAGE_DETAIL = 200;

/** Where a terminal stands (WGS 84 degrees), from its config, so the back office can draw the fleet on a map. */
export interface TerminalLocation {
  lat: number;
  lon: number;
  /** A place name for people ("Market square, stall 4"). */
  label?: string;
}

/** Longest location label carried. */
export const MAX_LOCATION_LABEL = 80;
/** Printable text only: a label ends up in the dashboard and in logs. */
export const LOCATION_LABEL = /^[^\p{Cc}]+$/u;

/** A location, or undefined when it is not one: finite degrees in range, an optional bounded printable label. */
export function parseLocation(v: unknown): TerminalLocation | undefined {
  if (!isRecord(v) || typeof v.lat !== 'number' || typeof v.lon !== 'number') return undefined;
  if (!(Math.abs(v.lat) <= 90) || !(Math.abs(v.lon) <= 180)) return undefined;
  if (v.label !== undefined && (typeof v.label !== 'string' || v.label.length > MAX_LOCATION_LABEL || !LOCATION_LABEL.test(v.label))) return undefined;
  return { lat: v.lat, lon: v.lon, ...(v.label !== undefined ? { label: v.label } : {}) };
}

export type TerminalStatusMessage =
  | { state: 'offline' }
  | {
      state: 'online';
      /** Records not yet acknowledged. */
      backlog: number;
      /** ms since the epoch of the last ack, or null. */
      lastSyncAt: number | null;
      devices: Record<string, unknown>;
      version: string;
      /** The terminal's wall clock (ms), to spot terminals with a wrong clock. */
      clock: number;
      fleet: FleetVersions;
      /** Inbound MQTT messages ignored since start, by reason (garbage, forged, refused). */
      ignored?: Record<string, number>;
      /** Trust- and deny-list ages: a terminal nearing TRUST_STALE says so here before it declines. */
      freshness?: StatusFreshness;
      /** Whether payments can be journaled: a terminal on a full disk says so here while it declines. */
      storage?: StorageStatus;
      /** Where the terminal stands, when its config says. */
      location?: TerminalLocation;
    };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON object from an MQTT payload, or why not: bounded size, strict UTF-8, and an object (not
 * `null`, an array or a scalar). Never throws.
 */
export function parseJsonObject(payload: Uint8Array, maxBytes: number): Verified<Record<string, unknown>> {
  if (payload.length > maxBytes) return reject('TOO_LARGE', `${payload.length} bytes > ${maxBytes}`);
  let v: unknown;
  try {
    v = JSON.parse(utf8.decode(payload));
  } catch (e) {
    return reject('MALFORMED', `not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return reject('MALFORMED', `JSON ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}, not an object`);
  return { ok: true, value: v as Record<string, unknown> };
}

const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const countOrNull = (v: unknown): v is number | null => v === null || count(v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const FRESHNESS_STATES: readonly unknown[] = ['fresh', 'stale-soon', 'stale'];

function listFreshness(v: unknown): ListFreshnessStatus | undefined {
  if (!isRecord(v) || !count(v.issuedAt) || !count(v.staleAt) || !FRESHNESS_STATES.includes(v.state)) return undefined;
  if (typeof v.ageHours !== 'number' || !Number.isFinite(v.ageHours) || typeof v.maxAgeHours !== 'number' || !Number.isFinite(v.maxAgeHours) || v.maxAgeHours < 0) return undefined;
  return { issuedAt: v.issuedAt, ageHours: v.ageHours, maxAgeHours: v.maxAgeHours, staleAt: v.staleAt, state: v.state as ListFreshnessStatus['state'] };
}

function parseFreshness(v: unknown): StatusFreshness | undefined {
  if (!isRecord(v) || !isRecord(v.denylist) || typeof v.denylist.installed !== 'boolean') return undefined;
  const trust = listFreshness(v.trust);
  const denylist = listFreshness(v.denylist);
  return trust && denylist ? { trust, denylist: { ...denylist, installed: v.denylist.installed } } : undefined;
}

function parseStorage(v: unknown): StorageStatus | undefined {
  if (!isRecord(v)) return undefined;
  if (v.ok === true) return { ok: true };
  if (v.ok !== false || v.error !== 'STORAGE_FAILED' || typeof v.detail !== 'string' || v.detail.length > MAX_STORAGE_DETAIL) return undefined;
  return { ok: false, error: 'STORAGE_FAILED', detail: v.detail };
}

/** Parses a status payload strictly on the fields it knows; unknown fields are ignored (newer terminals may add some). */
export function parseStatus(payload: Uint8Array): Verified<TerminalStatusMessage> {
  const j = parseJsonObject(payload, MAX_STATUS_BYTES);
  if (!j.ok) return j;
  const o = j.value;
  if (o.state === 'offline') return { ok: true, value: { state: 'offline' } };
  if (o.state !== 'online') return reject('MALFORMED', `state ${JSON.stringify(o.state)}`);
  const f = o.fleet;
  if (!count(o.backlog) || !countOrNull(o.lastSyncAt) || !count(o.clock) || typeof o.version !== 'string' || o.version.length > 64) return reject('MALFORMED', 'backlog, lastSyncAt, clock or version');
  if (!isRecord(o.devices) || !isRecord(f) || !countOrNull(f.trust) || !countOrNull(f.denylist) || !countOrNull(f.config)) return reject('MALFORMED', 'devices or fleet');
  if (o.ignored !== undefined && (!isRecord(o.ignored) || !Object.values(o.ignored).every(count))) return reject('MALFORMED', 'ignored');
  const freshness = o.freshness === undefined ? undefined : parseFreshness(o.freshness);
  if (o.freshness !== undefined && !freshness) return reject('MALFORMED', 'freshness');
  const storage = o.storage === undefined ? undefined : parseStorage(o.storage);
  if (o.storage !== undefined && !storage) return reject('MALFORMED', 'storage');
  const location = o.location === undefined ? undefined : parseLocation(o.location);
  if (o.location !== undefined && !location) return reject('MALFORMED', 'location');
  return {
    ok: true,
    value: {
      state: 'online',
      backlog: o.backlog,
      lastSyncAt: o.lastSyncAt,
      devices: o.devices,
      version: o.version,
      clock: o.clock,
      fleet: { trust: f.trust, denylist: f.denylist, config: f.config },
      ...(o.ignored !== undefined ? { ignored: o.ignored as Record<string, number> } : {}),
      ...(freshness ? { freshness } : {}),
      ...(storage ? { storage } : {}),
      ...(location ? { location } : {}),
    },
  };
}

export function encodeStatus(s: TerminalStatusMessage): string {
  return JSON.stringify(s);
}
