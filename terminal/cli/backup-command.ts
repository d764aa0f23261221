// `tessera backup` and `tessera restore`: the journal (SQLite online backup, consistent while the daemon runs), the keys and identity files, and the config, in one archive.
import { existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { TesseraError } from '#common';
import { openBackup, packageVersion, placeRestored, writeBackup, type BackupSource } from '#common/node';
import { loadConfig, type TerminalConfig } from '../config.js';
import { ApiClient } from '../api/client.js';

export interface BackupCommandHelpers {
  configPathOf(cmd: Command): string;
  print(cmd: Command, json: unknown, human: string): void;
  now(): number;
}

/** Every file the terminal needs to come back as itself, by the config field that names it. */
function sources(configPath: string, cfg: TerminalConfig): BackupSource[] {
  const tcp = cfg.api.tcp;
  const files: Array<[string, string | undefined]> = [
    ['config', configPath],
    ['identity.keyFile', cfg.identity.keyFile],
    ['identity.certFile', cfg.identity.certFile],
    ['identity.trustListFile', cfg.identity.trustListFile],
    ['identity.rootKeyFile', cfg.identity.rootKeyFile],
    ['identity.fleetConfigFile', cfg.identity.fleetConfigFile],
    ['identity.denylistFile', cfg.identity.denylistFile],
    ['sync.tls.ca', cfg.sync?.tls?.ca],
    ['sync.tls.cert', cfg.sync?.tls?.cert],
    ['sync.tls.key', cfg.sync?.tls?.key],
    // A bare name is a systemd credential, kept by systemd, not a file here.
    ['sync.passwordFile', cfg.sync?.passwordFile?.includes('/') ? cfg.sync.passwordFile : undefined],
    ['api.tcp.tokenFile', tcp?.tokenFile],
    ['api.tcp.tls.cert', tcp?.tls?.cert],
    ['api.tcp.tls.key', tcp?.tls?.key],
  ];
  const out: BackupSource[] = files.filter((f): f is [string, string] => f[1] !== undefined && existsSync(f[1])).map(([name, path]) => ({ name, path }));
  return [...out, { name: 'database', path: cfg.database.path, sqlite: true }];
}

export function registerBackupCommands(program: Command, h: BackupCommandHelpers): void {
  program
    .command('backup')
    .description('write one archive (tar.gz, mode 0600) of the journal, keys, identity files and config; safe while the daemon takes payments (SQLite online backup)')
    .requiredOption('-o, --out <file>', 'archive to write')
    .action(async (o: { out: string }, cmd: Command) => {
      const path = h.configPathOf(cmd);
      const cfg = loadConfig(path);
      const m = await writeBackup(o.out, 'terminal', packageVersion(), sources(path, cfg), { terminalId: cfg.terminal?.id ?? null });
      h.print(cmd, { ok: true, out: o.out, files: m.files.map((f) => ({ name: f.name, path: f.path, bytes: f.bytes })) }, `wrote ${o.out}: ${m.files.map((f) => f.name).join(', ')}`);
    });

  program
    .command('restore')
    .description('put back what `tessera backup` saved, each file at its original path (stop the daemon first); an existing journal is kept aside, never overwritten')
    .argument('<file>', 'archive written by `tessera backup`')
    .option('--root <dir>', 'restore under this directory instead of / (to inspect a backup, or for a new SD card mounted elsewhere)')
    .option('--force', 'replace an existing journal (it is renamed to <db>.before-restore-<time>, not deleted)')
    .action(async (file: string, o: { root?: string; force?: boolean }, cmd: Command) => {
      const b = openBackup(file, 'terminal', tmpdir());
      try {
        const at = (p: string): string => (o.root ? join(o.root, p) : p);
        const db = b.manifest.files.find((f) => f.name === 'database');
        if (!db) throw new TesseraError('BACKUP_INVALID', `${file} holds no journal`);
        if (!o.root) {
          const cfg = loadConfig(b.fileOf('config'));
          const running = await new ApiClient({ socketPath: cfg.api.socket }).call('GET', '/v1/status').then(() => true, () => false);
          if (running) throw new TesseraError('RESTORE_REFUSED', 'the daemon is running: stop it first (systemctl stop tessera)');
        }
        const dbTarget = at(db.path);
        if (existsSync(dbTarget)) {
          if (!o.force) throw new TesseraError('RESTORE_REFUSED', `${dbTarget} exists: it may hold payments the backup does not; give --force to keep it aside and restore over it`);
          const aside = `${dbTarget}.before-restore-${h.now()}`;
          renameSync(dbTarget, aside);
          for (const ext of ['-wal', '-shm']) if (existsSync(dbTarget + ext)) renameSync(dbTarget + ext, aside + ext);
        }
        // The journal last: a restore cut short leaves keys without a journal (the daemon refuses to start), never a journal without its key.
        const ordered = [...b.manifest.files.filter((f) => f !== db), db];
        for (const f of ordered) placeRestored(b.fileOf(f.name), at(f.path), f);
        h.print(cmd, { ok: true, restored: ordered.map((f) => at(f.path)) }, `restored ${ordered.length} files from ${file} (backup of ${b.manifest.createdAt}); run \`tessera verify-journal\` before starting the daemon`);
      } finally {
        b.cleanup();
      }
    });
}
