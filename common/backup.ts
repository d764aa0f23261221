// Backup archives shared by `tessera backup` and `tessera-backoffice backup`: SQLite files copied by the online backup API, other files as they are, a checksummed manifest, one tar.gz.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TesseraError, errorMessage } from './errors.js';
import { Sqlite } from './sqlite.js';

export const BACKUP_FORMAT = 'tessera-backup/1';

export interface BackupSource {
  /** Name inside the archive (unique, relative, no ".."). */
  name: string;
  /** The file on this machine. */
  path: string;
  /** A SQLite database: copied page by page through SQLite's online backup while writers go on. */
  sqlite?: boolean;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  /** "terminal" or "backoffice": restore refuses the other kind. */
  kind: string;
  createdAt: string;
  version: string;
  /** uid/gid: restored as root, each file gets its owner back (the daemon runs as its own user). */
  files: Array<{ name: string; path: string; mode: number; uid: number; gid: number; bytes: number; sha256: string; sqlite: boolean }>;
  /** Whatever the caller adds (terminal id, journal head, ledger backend). */
  meta: Record<string, unknown>;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function tar(args: string[]): void {
  const r = spawnSync('tar', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new TesseraError('FILE_WRITE_FAILED', `tar ${args[0]}: ${r.error ? errorMessage(r.error) : r.stderr.trim()}`);
}

/**
 * Writes `out` (mode 0600: it holds private keys) atomically. Each SQLite source is copied with
 * db.backup(), which gives a consistent snapshot even while the daemon keeps appending.
 */
export async function writeBackup(out: string, kind: string, version: string, sources: BackupSource[], meta: Record<string, unknown> = {}): Promise<BackupManifest> {
  const stage = mkdtempSync(join(dirname(resolve(out)), '.tessera-backup-'));
  try {
    const files: BackupManifest['files'] = [];
    for (const s of sources) {
      if (!/^[\w.-]+(\/[\w.-]+)*$/.test(s.name) || s.name.split('/').includes('..')) throw new TesseraError('USAGE', `bad backup entry name ${s.name}`);
      const to = join(stage, 'files', s.name);
      mkdirSync(dirname(to), { recursive: true });
      const st = statSync(s.path);
      const mode = st.mode & 0o777;
      if (s.sqlite) {
        const db = new Sqlite(s.path, { readonly: true, fileMustExist: true });
        try {
          await db.backup(to);
        } finally {
          db.close();
        }
      } else copyFileSync(s.path, to);
      chmodSync(to, mode);
      files.push({ name: s.name, path: resolve(s.path), mode, uid: st.uid, gid: st.gid, bytes: statSync(to).size, sha256: sha256(to), sqlite: s.sqlite === true });
    }
    const manifest: BackupManifest = { format: BACKUP_FORMAT, kind, createdAt: new Date().toISOString(), version, files, meta };
    writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const tmp = `${out}.partial`;
    tar(['-czf', tmp, '-C', stage, 'manifest.json', 'files']);
    chmodSync(tmp, 0o600);
    renameSync(tmp, out);
    return manifest;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** An unpacked, checked archive: `fileOf(name)` is where each entry's bytes are until `cleanup()`. */
export interface OpenedBackup {
  manifest: BackupManifest;
  fileOf(name: string): string;
  cleanup(): void;
}

/** Unpacks `file` into a private temp dir and checks the format, the kind and every checksum: BACKUP_INVALID otherwise. */
export function openBackup(file: string, kind: string, tmpRoot: string): OpenedBackup {
  const dir = mkdtempSync(join(tmpRoot, '.tessera-restore-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const r = spawnSync('tar', ['-xzf', file, '-C', dir, '--no-same-owner'], { encoding: 'utf8' });
    if (r.status !== 0) throw new TesseraError('BACKUP_INVALID', `${file} is not a readable backup archive: ${r.error ? errorMessage(r.error) : r.stderr.trim()}`);
    let manifest: BackupManifest;
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
    } catch (e) {
      throw new TesseraError('BACKUP_INVALID', `${file}: no readable manifest.json (${errorMessage(e)})`);
    }
    if (manifest.format !== BACKUP_FORMAT) throw new TesseraError('BACKUP_INVALID', `${file}: format ${String(manifest.format)}, expected ${BACKUP_FORMAT}`);
    if (manifest.kind !== kind) throw new TesseraError('BACKUP_INVALID', `${file} is a ${manifest.kind} backup, not a ${kind} one`);
    const fileOf = (name: string): string => join(dir, 'files', name);
    for (const f of manifest.files) {
      let sum = '';
      try {
        sum = sha256(fileOf(f.name));
      } catch {
        throw new TesseraError('BACKUP_INVALID', `${file}: ${f.name} is listed but missing`);
      }
      if (sum !== f.sha256) throw new TesseraError('BACKUP_INVALID', `${file}: ${f.name} does not match its checksum (damaged archive)`);
    }
    return { manifest, fileOf, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/**
 * Copies one restored entry to `to` with its mode (and, when run as root, its owner); a SQLite file
 * also drops a stale -wal/-shm that belonged to the file it replaces.
 */
export function placeRestored(from: string, to: string, f: Pick<BackupManifest['files'][number], 'mode' | 'uid' | 'gid' | 'sqlite'>): void {
  mkdirSync(dirname(to), { recursive: true });
  if (f.sqlite) for (const ext of ['-wal', '-shm', '-journal']) rmSync(`${to}${ext}`, { force: true });
  const tmp = `${to}.restoring`;
  copyFileSync(from, tmp);
  chmodSync(tmp, f.mode);
  if (process.getuid?.() === 0) chownSync(tmp, f.uid, f.gid);
  renameSync(tmp, to);
}
