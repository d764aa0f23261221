// The back office's data directory: key files, the signed trust list, settings and the ledger file.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TesseraError } from '#common';

export interface BackOfficePaths {
  home: string;
  rootKey: string;
  issuerKey: string;
  sealedKey: string;
  /** Signs acks and resync requests (role CLEARING). */
  clearingKey: string;
  /** TL1 text of the root-signed trust list. */
  trustList: string;
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
    rootKey: join(home, 'root.key'),
    issuerKey: join(home, 'issuer.key'),
    sealedKey: join(home, 'sealed.key'),
    clearingKey: join(home, 'clearing.key'),
    trustList: join(home, 'trust-list.txt'),
    settings: join(home, 'backoffice.json'),
    ledger: join(home, 'ledger.db'),
  };
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
