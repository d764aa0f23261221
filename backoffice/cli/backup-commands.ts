// `tessera-backoffice backup` and `restore`: the whole home (keys, trust lists, settings) plus the SQLite ledger via the online backup API, in one archive.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { TesseraError, isoSeconds, printResult, progress } from '#common';
import { openBackup, packageVersion, placeRestored, writeBackup, type BackupSource } from '#common/node';
import { backOfficePaths } from '../home.js';

interface Globals {
  home: string;
  db?: string;
  json?: boolean;
}

const say = (g: Globals, value: unknown, text: string): void => printResult(g.json, value, text);

/** Every regular file under `dir`, as paths relative to it (sorted, so archives list the same way each time). */
function filesUnder(dir: string, at = dir): string[] {
  return readdirSync(at, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, join(at, e.name)) : e.isFile() ? [relative(dir, join(at, e.name))] : []));
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('Write one archive (tar.gz, mode 0600) of --home: keys, trust lists, settings and the SQLite ledger (online backup, safe while `run` settles). A PostgreSQL ledger (--db) needs pg_dump as well.')
    .requiredOption('-o, --out <file>', 'archive to write')
    .action(async (o: { out: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const p = backOfficePaths(g.home);
      if (!existsSync(p.settings)) throw new TesseraError('CONFIG_NOT_FOUND', `${g.home} is not a back office home (no ${p.settings})`);
      const ledgerName = relative(g.home, p.ledger);
      // The ledger's -wal/-shm are part of the live database: the online backup folds them in.
      const live = new Set([ledgerName, `${ledgerName}-wal`, `${ledgerName}-shm`, `${ledgerName}-journal`]);
      const sources: BackupSource[] = filesUnder(g.home)
        .filter((f) => !live.has(f))
        .map((name) => ({ name, path: join(g.home, name) }));
      const sqlite = !g.db && existsSync(p.ledger);
      if (sqlite) sources.push({ name: ledgerName, path: p.ledger, sqlite: true });
      progress(g.json, `backing up ${g.home} (${sources.length} files${sqlite ? ', the ledger through the online backup' : ''})…`);
      const m = await writeBackup(o.out, 'backoffice', packageVersion(), sources, { ledger: g.db ? 'postgresql' : 'sqlite' });
      const note = g.db ? '\nthe ledger is in PostgreSQL and is NOT in this archive: back it up with pg_dump (docs/backup.md)' : '';
      say(g, { ok: true, out: o.out, ledger: g.db ? 'postgresql' : 'sqlite', files: m.files.map((f) => f.name) }, `wrote ${o.out}: ${m.files.length} files${sqlite ? ', ledger included' : ''}${note}`);
    });

  program
    .command('restore')
    .description('Recreate --home from an archive written by `backup` (stop `run` first). An existing home is renamed aside with --force, never deleted.')
    .argument('<file>', 'archive written by `tessera-backoffice backup`')
    .option('--force', 'restore even though --home has files (it is renamed to <home>.before-restore-<time>)')
    .action((file: string, o: { force?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      progress(g.json, `reading ${file}…`);
      const b = openBackup(file, 'backoffice', tmpdir());
      try {
        if (existsSync(g.home) && statSync(g.home).isDirectory() && readdirSync(g.home).length > 0) {
          if (!o.force) throw new TesseraError('RESTORE_REFUSED', `${g.home} is not empty: give --force to keep it aside and restore over it`);
          renameSync(g.home, `${g.home}.before-restore-${Date.now()}`);
        }
        mkdirSync(g.home, { recursive: true, mode: 0o700 });
        for (const f of b.manifest.files) placeRestored(b.fileOf(f.name), join(g.home, f.name), f);
        const pg = b.manifest.meta.ledger === 'postgresql' ? '; the ledger was in PostgreSQL: restore it with pg_restore/psql' : '';
        say(g, { ok: true, home: g.home, files: b.manifest.files.map((f) => f.name) }, `restored ${b.manifest.files.length} files into ${g.home} (backup of ${isoSeconds(Math.floor(Date.parse(b.manifest.createdAt) / 1000))})${pg}`);
      } finally {
        b.cleanup();
      }
    });
}
