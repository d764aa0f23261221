// A fixed root, trust list and CLEARING key for sync tests and the bench: terminals install the list, test consumers sign acks.
import { KeySigner, ROLE, signObject, type TrustList } from '#protocol';
import { seededSecret } from '#protocol/testkit';

/** The trust anchor of sync tests (never a production key). */
export const SYNC_ROOT = new KeySigner(seededSecret('sync-test/root'));
/** The back-office key that signs acks and resync requests in sync tests. */
export const SYNC_CLEARING = new KeySigner(seededSecret('sync-test/clearing'));
/** A key in the same list without the CLEARING role: its acks must be refused. */
export const SYNC_FLEET = new KeySigner(seededSecret('sync-test/fleet'));

// Valid from 2023 to 2096: sync tests run on real wall time.
const LIST: TrustList = {
  version: 1,
  issuedAt: 1_700_000_000,
  keys: [
    { kid: SYNC_CLEARING.kid, publicKey: SYNC_CLEARING.publicKey, roles: ROLE.CLEARING, notBefore: 1_600_000_000, notAfter: 4_000_000_000, name: 'clearing' },
    { kid: SYNC_FLEET.kid, publicKey: SYNC_FLEET.publicKey, roles: ROLE.FLEET | ROLE.TERMINALS | ROLE.PURSES, notBefore: 1_600_000_000, notAfter: 4_000_000_000, name: 'issuer' },
  ],
};

let bytes: Promise<Uint8Array> | undefined;

/** The root-signed trust list bytes (signed once per process). */
export function syncTrustBytes(): Promise<Uint8Array> {
  bytes ??= signObject('TRUST_LIST', LIST, SYNC_ROOT);
  return bytes;
}

/** Installs the sync trust list into a terminal store unless one is applied already. */
export async function installSyncTrust(store: { fleet(kind: 'trust'): unknown; applyFleet(kind: 'trust', m: { version: number; bytes: Uint8Array; issuedAt: number }, nowMs: number): boolean }): Promise<void> {
  if (store.fleet('trust')) return;
  store.applyFleet('trust', { version: LIST.version, bytes: await syncTrustBytes(), issuedAt: LIST.issuedAt }, Date.now());
}
