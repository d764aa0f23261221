// A reproducible little world of keys and signed objects from fixed seeds, for tests, vectors and the demo.
import { utf8 } from './bytes.js';
import { signObject, toQrText } from './codec.js';
import type { CryptoBackend } from './crypto/index.js';
import { NobleBackend, P256_N, bigintTo32, sha256 } from './crypto/index.js';
import { DAY, FLEET_KIND, PAYEE, ROLE, type Payment, type PurseCert, type TerminalCert, type TerminalConfigBody, type TrustList } from './objects.js';
import { KeySigner } from './signer.js';
import { TrustStore } from './trust.js';
import { seal } from './sealed.js';

/** A valid P-256 secret derived from a seed string (never for production keys). */
export function seededSecret(seed: string): Uint8Array {
  let n = 0n;
  for (const b of sha256(utf8(`tessera-seed:${seed}`))) n = (n << 8n) | BigInt(b);
  return bigintTo32((n % (P256_N - 1n)) + 1n);
}

export function seededBytes(seed: string, length: number): Uint8Array {
  return sha256(utf8(`tessera-bytes:${seed}`)).slice(0, length);
}

export { DAY };

export interface TestWorld {
  backend: CryptoBackend;
  now: number;
  root: KeySigner;
  issuer: KeySigner;
  sealedKey: KeySigner;
  /** The back office's ack-signing key (role CLEARING). */
  clearing: KeySigner;
  trustList: TrustList;
  trustBytes: Uint8Array;
  trust: TrustStore;
  terminalCert(o?: Partial<TerminalCert> & { key?: KeySigner }): Promise<{ key: KeySigner; cert: TerminalCert; bytes: Uint8Array }>;
  purse(o?: Partial<PurseCert> & { seed?: string }): Promise<{ key: KeySigner; cert: PurseCert; bytes: Uint8Array }>;
  payment(purse: { key: KeySigner; bytes: Uint8Array; cert: PurseCert }, o: Partial<Payment>, sealedDetails?: Uint8Array): Promise<{ bytes: Uint8Array; text: string; payment: Payment }>;
  fleetDenylist(version: number, purseIds: Uint8Array[], signer?: KeySigner): Promise<Uint8Array>;
  fleetConfig(version: number, config: TerminalConfigBody, target?: string, signer?: KeySigner): Promise<Uint8Array>;
}

/**
 * Builds the world. Signing uses noble (RFC 6979 deterministic signatures) so every byte is
 * reproducible from the seeds; verification may use any backend.
 */
export async function createTestWorld(opts: { seed?: string; now?: number; backend?: CryptoBackend } = {}): Promise<TestWorld> {
  const seed = opts.seed ?? 'world';
  const now = opts.now ?? 1_800_000_000;
  const signing = new NobleBackend();
  const backend = opts.backend ?? signing;
  const root = new KeySigner(seededSecret(`${seed}/root`), signing);
  const issuer = new KeySigner(seededSecret(`${seed}/issuer`), signing);
  const sealedKey = new KeySigner(seededSecret(`${seed}/sealed`), signing);
  const clearing = new KeySigner(seededSecret(`${seed}/clearing`), signing);
  const trustList: TrustList = {
    version: 1,
    issuedAt: now - DAY,
    keys: [
      { kid: issuer.kid, publicKey: issuer.publicKey, roles: ROLE.TERMINALS | ROLE.PURSES | ROLE.FLEET, notBefore: now - 30 * DAY, notAfter: now + 365 * DAY, name: 'issuer' },
      { kid: sealedKey.kid, publicKey: sealedKey.publicKey, roles: ROLE.SEALED, notBefore: now - 30 * DAY, notAfter: now + 365 * DAY, name: 'sealed' },
      { kid: clearing.kid, publicKey: clearing.publicKey, roles: ROLE.CLEARING, notBefore: now - 30 * DAY, notAfter: now + 365 * DAY, name: 'clearing' },
    ],
  };
  const trustBytes = await signObject('TRUST_LIST', trustList, root);
  const trust = new TrustStore(trustList, backend);
  let n = 0;

  return {
    backend,
    now,
    root,
    issuer,
    sealedKey,
    clearing,
    trustList,
    trustBytes,
    trust,
    async terminalCert(o = {}) {
      const { key: k, ...rest } = o;
      const key = k ?? new KeySigner(seededSecret(`${seed}/terminal/${rest.terminalId ?? 'T-0001'}`), signing);
      const cert: TerminalCert = {
        terminalId: 'T-0001',
        merchantId: 'M-CAFE',
        displayName: 'Café Tessera',
        mode: 'merchant',
        publicKey: key.publicKey,
        notBefore: now - DAY,
        notAfter: now + 365 * DAY,
        ...rest,
      };
      return { key, cert, bytes: await signObject('TERMINAL_CERT', cert, issuer) };
    },
    async purse(o = {}) {
      const { seed: ps, ...rest } = o;
      const s = ps ?? `purse-${n++}`;
      const key = new KeySigner(seededSecret(`${seed}/wallet/${s}`), signing);
      const cert: PurseCert = {
        purseId: seededBytes(`${seed}/purse/${s}`, 16),
        walletKey: key.publicKey,
        currency: 'EUR',
        cap: 10_000,
        perPaymentLimit: 2_500,
        notBefore: now - DAY,
        notAfter: now + 90 * DAY,
        ...rest,
      };
      return { key, cert, bytes: await signObject('PURSE_CERT', cert, issuer) };
    },
    async payment(purse, o, sealedDetails) {
      const payment: Payment = {
        purseCert: purse.bytes,
        seq: 1,
        cumulative: o.amount ?? 450,
        amount: 450,
        currency: purse.cert.currency,
        payeeKind: PAYEE.merchant,
        payee: 'T-0001',
        requestNonce: seededBytes(`${seed}/nonce`, 16),
        time: now,
        ...o,
      };
      if (sealedDetails) payment.sealed = seal(sealedDetails, sealedKey.publicKey, seededSecret(`${seed}/eph`));
      for (const k of Object.keys(payment) as (keyof Payment)[]) if (payment[k] === undefined) delete payment[k];
      const bytes = await signObject('PAYMENT', payment, purse.key);
      return { bytes, text: toQrText('PAYMENT', bytes), payment };
    },
    async fleetDenylist(version, purseIds, signer = issuer) {
      return signObject('FLEET_MESSAGE', { kind: FLEET_KIND.denylist, version, issuedAt: now, denylist: purseIds }, signer);
    },
    async fleetConfig(version, config, target, signer = issuer) {
      return signObject('FLEET_MESSAGE', { kind: FLEET_KIND.config, version, issuedAt: now, config, ...(target ? { target } : {}) }, signer);
    },
  };
}

/** A transit payment's fields for `createTestWorld().payment`. */
export function transitFields(now: number, o: { operator?: string; line?: string; max?: number; window?: number } = {}): Partial<Payment> {
  return {
    payeeKind: PAYEE.transit,
    payee: o.operator ?? 'OP-METRO',
    line: o.line ?? '*',
    requestNonce: undefined,
    validUntil: now + (o.window ?? 60),
    amount: o.max ?? 300,
    cumulative: o.max ?? 300,
    time: now,
  };
}
