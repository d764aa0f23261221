// Secrets on the terminal: owner-only secret files (API token, broker password credential) and redaction of everything shown or logged.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError, errorMessage } from '#common';

export const REDACTED = '[redacted]';
/** Where provisioning keeps credentials for the unit's LoadCredential= (root-only). */
export const CREDENTIALS_SOURCE_DIR = '/etc/tessera/credentials';

/** Keys whose values are secrets wherever they appear (config, status, errors). */
const SECRET_KEY = /^(password|passphrase|secret|token|authorization)$/i;
/** scheme://user:password@host — the password part of a URL's user info. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*):[^\s/@]*@/gi;

/** A URL (or any text holding one) with the password of its user info replaced. */
export function redactUrl(text: string): string {
  return text.replace(URL_PASSWORD, `$1:${REDACTED}@`);
}

/** A deep copy with secret-named fields and URL passwords replaced: what `config check --json` and `/v1/status` print. */
export function redactSecrets<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactUrl(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEY.test(k) && x !== undefined && x !== null ? REDACTED : walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/** Refuses a secret file that its group or others may read: the secret would be readable by every local user. */
export function readOwnerOnly(path: string, what: string): Buffer {
  let mode: number;
  let bytes: Buffer;
  try {
    mode = statSync(path).mode;
    bytes = readFileSync(path);
  } catch (e) {
    throw new TesseraError('CONFIG_INVALID', `${what}: cannot read ${path}: ${errorMessage(e)}`, { cause: e });
  }
  if ((mode & 0o077) !== 0) {
    throw new TesseraError('KEY_PERMISSIONS', `${what}: ${path} is readable by group or others (mode 0${(mode & 0o777).toString(8)}); chmod 0600 it`);
  }
  return bytes;
}

/**
 * A secret from a file: a bare name is a systemd credential (LoadCredential=NAME:…) read from
 * $CREDENTIALS_DIRECTORY, which only the service can read (without it, from the credential's source
 * directory); a path is read as is. Either must be owner-only. One trailing newline is not part of the secret.
 */
export function readSecretFile(ref: string, what: string, env: NodeJS.ProcessEnv = process.env): string {
  // Outside the unit (a technician running the daemon by hand as root) the credential's source is read.
  const path = ref.includes('/') ? ref : join(env.CREDENTIALS_DIRECTORY ?? CREDENTIALS_SOURCE_DIR, ref);
  return readOwnerOnly(path, what).toString('utf8').replace(/\r?\n$/, '');
}
