// The online side of the trust lifecycle: which issuer key signs, new issuer keys, and installing a list the offline ceremony signed.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '#common';
import { ROLE, createKeyFile, decodeObject, fromQrText, loadKeyFile, toHex, type CryptoBackend, type KeySigner, type TrustList, type TrustedKey } from '#protocol';
import { issuerKeyFiles, issuerKeyPath, replaceFile, type BackOfficePaths } from './home.js';
import type { Ledger } from './ledger.js';
import { readTrustList, type TrustListView, describeTrustList } from './trust-ceremony.js';

/** What the back office signs with its issuer key: terminal and purse certificates, fleet messages. */
export const ISSUER_ROLES = ROLE.TERMINALS | ROLE.PURSES | ROLE.FLEET;

function listed(list: TrustList, signer: KeySigner): TrustedKey | undefined {
  const pub = toHex(signer.publicKey);
  return list.keys.find((k) => toHex(k.publicKey) === pub && (k.roles & ISSUER_ROLES) === ISSUER_ROLES);
}

/**
 * The issuer key to sign with under `list`: of the issuer key files in the home, the one listed with
 * every issuer role and valid now whose validity began last. During a rotation's overlap both keys are
 * listed and the new one (later notBefore) wins; a key not yet in any installed list is never used.
 */
export function pickIssuer(paths: BackOfficePaths, list: TrustList, now: number, backend?: CryptoBackend): KeySigner {
  const best = bestIssuer(paths, list, now, backend);
  if (!best) {
    throw new TesseraError('CONFIG_INVALID', `none of the issuer keys in ${paths.home} is listed (and valid now) in trust list version ${list.version}: install a list that names one (publish-trust FILE)`);
  }
  return best;
}

function bestIssuer(paths: BackOfficePaths, list: TrustList, now: number, backend?: CryptoBackend): KeySigner | undefined {
  let best: { signer: KeySigner; key: TrustedKey } | undefined;
  for (const file of issuerKeyFiles(paths)) {
    const signer = loadKeyFile(file, backend);
    const key = listed(list, signer);
    if (!key || key.notBefore > now || now > key.notAfter) continue;
    if (!best || key.notBefore > best.key.notBefore) best = { signer, key };
  }
  return best?.signer;
}

/**
 * pickIssuer for opening the back office: when no listed key is valid now (every issuer key
 * expired, a clock far off), it still opens, with the first issuer key file and a warning, so the
 * commands that repair it (trust new-issuer-key, publish-trust) can run. What it signs then is
 * refused by terminals until a list with a valid key is installed.
 */
export function openingIssuer(paths: BackOfficePaths, list: TrustList, now: number, warn: (msg: string) => void, backend?: CryptoBackend): KeySigner {
  const best = bestIssuer(paths, list, now, backend);
  if (best) return best;
  const first = issuerKeyFiles(paths)[0];
  if (!first) throw new TesseraError('CONFIG_INVALID', `no issuer key in ${paths.home}`);
  warn(`no issuer key in ${paths.home} is listed and valid now in trust list version ${list.version}: rotate (trust new-issuer-key, then the ceremony)`);
  return loadKeyFile(first, backend);
}

/** Issuer key files in the home that no key of `list` names: keys waiting for a ceremony. */
export function pendingIssuerKeys(paths: BackOfficePaths, list: TrustList, backend?: CryptoBackend): KeySigner[] {
  const names = new Set(list.keys.map((k) => toHex(k.publicKey)));
  return issuerKeyFiles(paths)
    .map((f) => loadKeyFile(f, backend))
    .filter((s) => !names.has(toHex(s.publicKey)));
}

/** Creates a new issuer key (0600, issuer-<kid>.key); its private half never leaves this machine. */
export function createIssuerKey(paths: BackOfficePaths, list: TrustList, backend?: CryptoBackend): KeySigner {
  const pending = pendingIssuerKeys(paths, list, backend);
  if (pending.length) {
    throw new TesseraError('ALREADY_EXISTS', `issuer key ${toHex(pending[0]!.kid)} already waits for a trust-list ceremony; install a list naming it first`);
  }
  const tmp = issuerKeyPath(paths, `new-${process.pid}`);
  const signer = createKeyFile(tmp, backend);
  renameSync(tmp, issuerKeyPath(paths, toHex(signer.kid)));
  return signer;
}

/** The lists installed before the current one (trust-lists/), verified against the root, oldest first. */
export function installedHistory(paths: BackOfficePaths, rootPublicKey: Uint8Array, backend?: CryptoBackend): TrustList[] {
  if (!existsSync(paths.trustHistory)) return [];
  return readdirSync(paths.trustHistory)
    .filter((f) => /^trust-list\.v\d+\.txt$/.test(f))
    .map((f) => readTrustList(readFileSync(join(paths.trustHistory, f), 'utf8'), rootPublicKey, backend).list)
    .sort((a, b) => a.version - b.version);
}

/**
 * What clearing verifies payments with: the current list plus every key an earlier list had and a
 * later one dropped, each valid only until the list that retired it was issued. Clearing checks a
 * payment at its record's time, so one a terminal approved during the overlap and uploads after the
 * retirement still settles, and one made with the retired key afterwards does not.
 */
export function clearingTrustList(current: TrustList, history: TrustList[]): TrustList {
  const lists = [...history.filter((l) => l.version < current.version), current];
  const retired: TrustedKey[] = [];
  for (let i = 1; i < lists.length; i++) {
    const next = lists[i]!;
    const kept = new Set(next.keys.map((k) => toHex(k.publicKey)));
    for (const k of lists[i - 1]!.keys) if (!kept.has(toHex(k.publicKey))) retired.push({ ...k, notAfter: Math.min(k.notAfter, next.issuedAt) });
  }
  const inForce = new Set(current.keys.map((k) => toHex(k.publicKey)));
  return { ...current, keys: [...current.keys, ...retired.filter((k) => !inForce.has(toHex(k.publicKey)))] };
}

function kidOfCert(kind: 'TERMINAL_CERT' | 'PURSE_CERT', text: string): string | undefined {
  const b = fromQrText(kind, text);
  const d = b.ok ? decodeObject(kind, b.value) : undefined;
  return d?.ok ? toHex(d.value.sign1.kid) : undefined;
}

/** Unexpired terminal and purse certificates in the ledger signed by one of these kids. */
export async function liveCertsSignedBy(ledger: Ledger, kids: Set<string>, now: number): Promise<{ terminals: string[]; purses: string[] }> {
  const terminals = (await ledger.listTerminals()).filter((t) => t.notAfter > now && kids.has(kidOfCert('TERMINAL_CERT', t.cert) ?? '')).map((t) => t.terminalId);
  const purses = (await ledger.listPurses()).filter((p) => p.status === 'active' && p.notAfter > now && kids.has(kidOfCert('PURSE_CERT', p.cert) ?? '')).map((p) => p.purseId);
  return { terminals, purses };
}

export interface InstallResult {
  previousVersion: number;
  list: TrustListView;
  signingKid: string;
  added: string[];
  retired: string[];
}

export interface TrustHolder {
  readonly paths: BackOfficePaths;
  readonly ledger: Ledger;
  readonly trustList: TrustList;
  readonly rootPublicKey: string;
  now(): number;
  adoptTrust(list: TrustList, bytes: Uint8Array, issuer: KeySigner): void;
}

/**
 * Verifies a root-signed list (TL1 text) and makes it the back office's current one: it must be newer
 * than the installed list and name an issuer key this back office holds. Retiring a key that still
 * signs live certificates is refused unless forced: those certificates would stop verifying at once.
 */
export async function installTrustList(bo: TrustHolder, text: string, o: { force?: boolean; backend?: CryptoBackend } = {}): Promise<InstallResult> {
  const { list } = readTrustList(text, Buffer.from(bo.rootPublicKey, 'hex'), o.backend);
  const current = bo.trustList;
  if (list.version <= current.version) {
    throw new TesseraError('VERIFICATION_FAILED', `trust list version ${list.version} is not newer than the installed version ${current.version} (a rollback)`);
  }
  const keep = new Set(list.keys.map((k) => toHex(k.publicKey)));
  const retiredKeys = current.keys.filter((k) => !keep.has(toHex(k.publicKey)));
  const retired = new Set(retiredKeys.map((k) => toHex(k.kid)));
  const now = bo.now();
  if (retired.size && !o.force) {
    const live = await liveCertsSignedBy(bo.ledger, retired, now);
    if (live.terminals.length || live.purses.length) {
      throw new TesseraError(
        'USAGE',
        `the new list retires ${[...retired].join(', ')}, which still signs ${live.terminals.length} unexpired terminal certificate(s) and ${live.purses.length} active purse(s); ` +
          're-issue them with the new key or wait until they expire (or --force)',
        { details: live },
      );
    }
  }
  const issuer = pickIssuer(bo.paths, list, now, o.backend);
  if (existsSync(bo.paths.trustList)) {
    mkdirSync(bo.paths.trustHistory, { recursive: true, mode: 0o700 });
    writeFileSync(`${bo.paths.trustHistory}/trust-list.v${current.version}.txt`, readFileSync(bo.paths.trustList));
  }
  replaceFile(bo.paths.trustList, text.trim() + '\n');
  const bytes = fromQrText('TRUST_LIST', text.trim());
  if (!bytes.ok) throw new TesseraError('INTERNAL', 'verified trust list did not re-parse');
  bo.adoptTrust(list, bytes.value, issuer);
  const had = new Set(current.keys.map((k) => toHex(k.publicKey)));
  return {
    previousVersion: current.version,
    list: describeTrustList(list),
    signingKid: toHex(issuer.kid),
    added: list.keys.filter((k) => !had.has(toHex(k.publicKey))).map((k) => toHex(k.kid)),
    retired: [...retired],
  };
}
