// The back office's data directory: key files, the signed trust list, settings and the ledger file.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TesseraError } from '#common';

export interface BackOfficePaths {
  home: string;
  /** Where init leaves what must leave this machine: the root key and a README saying so. */
  offlineDir: string;
  rootKey: string;
  /** The first issuer key; later ones (issuer rotation) are issuer-<kid>.key beside it. */
  issuerKey: string;
  sealedKey: string;
  /** Signs acks and resync requests (role CLEARING). */
  clearingKey: string;
  /** TL1 text of the root-signed trust list. */
  trustList: string;
  /** Every trust list installed before the current one, as trust-list.v<N>.txt. */
  trustHistory: string;
  settings: string;
  ledger: string;
}

export interface BackOfficeSettings {
  format: 'tessera-backoffice/1';
  currency: string;
  /** Hex of the 33-byte compressed root public key (the terminals' trust anchor). */
  rootPublicKey: string;
  createdAt: number;
}

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TESSERA_BACKOFFICE_HOME ?? join(homedir(), '.tessera-backoffice');
}

export function backOfficePaths(home: string): BackOfficePaths {
  return {
    home,
    offlineDir: join(home, 'offline'),
    rootKey: join(home, 'offline', 'root.key'),
    issuerKey: join(home, 'issuer.key'),
    sealedKey: join(home, 'sealed.key'),
    clearingKey: join(home, 'clearing.key'),
    trustList: join(home, 'trust-list.txt'),
    trustHistory: join(home, 'trust-lists'),
    settings: join(home, 'backoffice.json'),
    ledger: join(home, 'ledger.db'),
  };
}

/** Path of a further issuer key, named by its kid (hex) so several can sit side by side. */
export function issuerKeyPath(p: BackOfficePaths, kidHex: string): string {
  return join(p.home, `issuer-${kidHex}.key`);
}

/** Every issuer key file in the home (issuer.key and issuer-<kid>.key), sorted by name. */
export function issuerKeyFiles(p: BackOfficePaths): string[] {
  return readdirSync(p.home)
    .filter((f) => /^issuer(-[0-9a-f]+)?\.key$/.test(f))
    .sort()
    .map((f) => join(p.home, f));
}

/** Replaces a file's contents atomically (write beside it, then rename), so a reader never sees half a file. */
export function replaceFile(path: string, text: string, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, path);
  } catch (e) {
    throw new TesseraError('FILE_WRITE_FAILED', `cannot replace ${path}: ${(e as Error).message}`, { cause: e });
  }
}

export function ensureHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
}

export function readSettings(p: BackOfficePaths): BackOfficeSettings {
  if (!existsSync(p.settings)) throw new TesseraError('CONFIG_NOT_FOUND', `no back office in ${p.home} (run: tessera-backoffice init)`);
  try {
    const s = JSON.parse(readFileSync(p.settings, 'utf8')) as BackOfficeSettings;
    if (s.format !== 'tessera-backoffice/1') throw new Error(`unknown format ${String(s.format)}`);
    return s;
  } catch (e) {
    throw new TesseraError('CONFIG_INVALID', `${p.settings}: ${(e as Error).message}`, { cause: e });
  }
}

export function writeNewFile(path: string, text: string, mode = 0o644): void {
  try {
    writeFileSync(path, text, { mode, flag: 'wx' });
  } catch (e) {
    throw new TesseraError('FILE_WRITE_FAILED', `cannot create ${path}: ${(e as Error).message}`, { cause: e });
  }
}
