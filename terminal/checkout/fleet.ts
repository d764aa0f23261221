// The trust list, deny list and fare config in force: installed files plus signed updates applied through the store.
import { TesseraError } from '#common';
import {
  decodeObject,
  FLEET_KIND,
  fromHex,
  fromQrText,
  keyId,
  kindOfQrText,
  peekKind,
  toHex,
  TrustStore,
  verifyTrustList,
  type CryptoBackend,
  type ReasonCode,
  type TerminalConfigBody,
} from '#protocol';
import type { FleetKind, Store } from '../store/index.js';
import { applyFleetBytes } from '../sync/fleet.js';

export type FleetApplyResult =
  | { ok: true; kind: 'trust' | 'denylist' | 'config'; version: number }
  | { ok: false; reason: ReasonCode; detail: string };

export interface FleetStateOptions {
  /** Root public key, 33 bytes. */
  rootPublicKey: Uint8Array;
  /** The installed trust list (COSE bytes). */
  trustListBytes: Uint8Array;
  terminalId: string;
  backend?: CryptoBackend;
}

/** Parses "TL1:…" text or a hex key as written in the installed files. */
export function parseRootKey(text: string): Uint8Array {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{66}$/.test(hex)) throw new TesseraError('KEY_INVALID', 'root public key must be 33 bytes of hex (compressed P-256)');
  return fromHex(hex.toLowerCase());
}

export class FleetState {
  private trustStore: TrustStore | undefined;
  private fares: { version: number; body: TerminalConfigBody } | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: FleetStateOptions,
  ) {}

  /** Verifies the installed trust list; a newer one applied by sync wins. Throws KEY_INVALID when none verifies. */
  start(): void {
    const file = verifyTrustList(this.opts.trustListBytes, { rootPublicKey: this.opts.rootPublicKey, ...(this.opts.backend ? { backend: this.opts.backend } : {}) });
    if (!file.ok) throw new TesseraError('KEY_INVALID', `installed trust list does not verify against the root key: ${file.reason} (${file.detail})`);
    let list = file.value.value;
    const stored = this.store.fleet('trust');
    if (stored && stored.version > list.version) {
      const s = verifyTrustList(stored.bytes, { rootPublicKey: this.opts.rootPublicKey, ...(this.opts.backend ? { backend: this.opts.backend } : {}) });
      if (s.ok) list = s.value.value;
    } else if (!stored || stored.version < list.version) {
      // The store is where every part (sync included) reads the trust list in force: record the installed one.
      this.store.applyFleet('trust', { version: list.version, bytes: this.opts.trustListBytes, issuedAt: list.issuedAt }, Date.now());
    }
    this.trustStore = new TrustStore(list, this.opts.backend);
  }

  /** Picks up a newer trust list that sync applied to the store while running. */
  refreshTrust(): boolean {
    const stored = this.store.fleet('trust');
    if (!stored || stored.version <= this.trust.version) return false;
    const s = verifyTrustList(stored.bytes, { rootPublicKey: this.opts.rootPublicKey, ...(this.opts.backend ? { backend: this.opts.backend } : {}) });
    if (!s.ok) return false;
    this.trustStore = new TrustStore(s.value.value, this.opts.backend);
    return true;
  }

  get rootPublicKey(): Uint8Array {
    return this.opts.rootPublicKey;
  }

  get trust(): TrustStore {
    if (!this.trustStore) throw new TesseraError('INTERNAL', 'fleet state not started');
    return this.trustStore;
  }

  trustIssuedAt(): number {
    return this.trust.list.issuedAt;
  }

  denylist(): { version: number; issuedAt: number; size: number } | undefined {
    const d = this.store.fleet('denylist');
    return d ? { version: d.version, issuedAt: d.issuedAt, size: this.store.denylistSize() } : undefined;
  }

  /** The signed fare/terminal config in force, decoded once per version. */
  config(): { version: number; body: TerminalConfigBody } | undefined {
    const f = this.store.fleet('config');
    if (!f) return undefined;
    if (this.fares?.version !== f.version) {
      const d = decodeObject('FLEET_MESSAGE', f.bytes);
      this.fares = d.ok && d.value.value.config ? { version: f.version, body: d.value.value.config } : undefined;
    }
    return this.fares;
  }

  /**
   * Verifies and applies a signed update (a root-signed trust list or an issuer-signed fleet message),
   * as bytes or QR text. Older or equal versions are refused with ROLLBACK.
   */
  apply(input: Uint8Array | string, nowSeconds: number | null, nowMs: number): FleetApplyResult {
    let bytes: Uint8Array;
    if (typeof input === 'string') {
      const kind = kindOfQrText(input);
      if (kind !== 'TRUST_LIST' && kind !== 'FLEET_MESSAGE') return { ok: false, reason: kind ? 'WRONG_TYPE' : 'MALFORMED', detail: 'not a trust list or fleet message' };
      const b = fromQrText(kind, input);
      if (!b.ok) return b;
      bytes = b.value;
    } else bytes = input;
    let kind: FleetKind;
    if (peekKind(bytes) === 'TRUST_LIST') kind = 'trust';
    else {
      const d = decodeObject('FLEET_MESSAGE', bytes);
      if (!d.ok) return d;
      kind = d.value.value.kind === FLEET_KIND.denylist ? 'denylist' : 'config';
    }
    // One path for every source (bundle file, QR scan, API, broker): the same checks, the same store write.
    const r = applyFleetBytes(this.store, this.opts.rootPublicKey, kind, bytes, nowSeconds === null ? null : nowMs, this.opts.terminalId, nowMs);
    if (!r.applied) return { ok: false, reason: r.reason === 'DUPLICATE' ? 'ROLLBACK' : r.reason, detail: r.detail };
    if (kind === 'trust') this.refreshTrust();
    return { ok: true, kind, version: r.version };
  }

  summary(): { trust: { version: number; issuedAt: number }; denylist: { version: number; issuedAt: number; size: number } | null; config: { version: number } | null; rootKid: string } {
    const c = this.config();
    return {
      trust: { version: this.trust.version, issuedAt: this.trust.list.issuedAt },
      denylist: this.denylist() ?? null,
      config: c ? { version: c.version } : null,
      rootKid: toHex(keyId(this.opts.rootPublicKey)),
    };
  }
}
