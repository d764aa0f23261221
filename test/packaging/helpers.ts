// Shared by the packaging tests: the repo root, bounded child processes, scratch dirs.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout these tests were compiled from (dist/test/packaging/ → three levels up). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, killed after `timeoutMs` (every wait in these tests is bounded). */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunResult {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd: opts.cwd ?? REPO,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temp dir removed in teardown. */
export function scratch(t: { teardown(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tessera-${prefix}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A root for `systemd-analyze --root`: the host's units (sysinit.target …), stand-in executables at
 * `binaries` (paths relative to the root) and the unit under test as `name`.
 */
export function unitRoot(t: { teardown(fn: () => void): void }, name: string, unitText: string, binaries: string[]): string {
  const root = scratch(t, 'unit-root');
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  for (const bin of binaries) {
    mkdirSync(join(root, bin, '..'), { recursive: true });
    writeFileSync(join(root, bin), '#!/bin/sh\nexit 0\n');
    chmodSync(join(root, bin), 0o755);
  }
  writeFileSync(join(root, 'usr/lib/systemd/system', name), unitText);
  return root;
}

/** Make with the repo's Makefile; `vars` become command-line variables. */
export function make(target: string, vars: Record<string, string>): RunResult {
  const env = { ...process.env };
  // Variables inherited from a surrounding make (make test) must not leak into this one.
  delete env.MAKEFLAGS;
  delete env.MFLAGS;
  delete env.MAKELEVEL;
  return run('make', ['--no-print-directory', '-C', REPO, target, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)], { env });
}

/** Files the terminal package (and `make install`, PREFIX=/usr) must lay out, relative to the root. */
export const INSTALLED_TERMINAL = [
  'usr/bin/tessera',
  'usr/lib/tessera/package.json',
  'usr/lib/tessera/dist/common/index.js',
  'usr/lib/tessera/dist/tessera-daemon.mjs',
  'usr/lib/tessera/dist/terminal/daemon/sd-notify.js',
  'usr/lib/tessera/dist/drivers/fonts/unifont.js',
  'usr/lib/tessera/node_modules/better-sqlite3/package.json',
  'usr/lib/tessera/node_modules/mqtt/package.json',
  'usr/lib/systemd/system/tessera.service',
  'usr/lib/sysusers.d/tessera.conf',
  'usr/lib/tmpfiles.d/tessera.conf',
  'usr/lib/udev/rules.d/70-tessera.rules',
  'usr/share/doc/tessera/install.md',
  'usr/share/man/man1/tessera.1.gz',
  'usr/share/bash-completion/completions/tessera',
  'usr/share/zsh/vendor-completions/_tessera',
];

/** Files the back-office package (and `make install`) must lay out, relative to the root. */
export const INSTALLED_BACKOFFICE = [
  'usr/bin/tessera-backoffice',
  'usr/bin/tessera-wallet',
  'usr/lib/tessera-backoffice/package.json',
  'usr/lib/tessera-backoffice/dist/backoffice/cli/main.js',
  'usr/lib/tessera-backoffice/dist/wallet/cli/main.js',
  'usr/lib/tessera-backoffice/dist/web/dashboard/index.html',
  'usr/lib/tessera-backoffice/dist/web/wallet/index.html',
  'usr/lib/tessera-backoffice/dist/web/wallet/manifest.webmanifest',
  'usr/lib/tessera-backoffice/node_modules/fastify/package.json',
  'usr/lib/tessera-backoffice/node_modules/better-sqlite3/package.json',
  'usr/lib/systemd/system/tessera-backoffice-api.service',
  'usr/lib/systemd/system/tessera-clearing@.service',
  'usr/lib/sysusers.d/tessera-backoffice.conf',
  'usr/share/doc/tessera-backoffice/backoffice.md',
  'usr/share/doc/tessera-backoffice/api-backoffice.md',
  'usr/share/man/man1/tessera-backoffice.1.gz',
  'usr/share/man/man1/tessera-wallet.1.gz',
  'usr/share/bash-completion/completions/tessera-backoffice',
  'usr/share/bash-completion/completions/tessera-wallet',
  'usr/share/zsh/vendor-completions/_tessera-backoffice',
  'usr/share/zsh/vendor-completions/_tessera-wallet',
];

export const INSTALLED = [...INSTALLED_TERMINAL, ...INSTALLED_BACKOFFICE];

/** Every file under `dir`, relative to it. */
export function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p, base) : [p.slice(base.length + 1)];
  });
}

/**
 * What the terminal package must never hold: the back office, the wallet, the demo and bench scripts, the test kits,
 * and the npm packages only those use (the demo's broker, the wallet's QR reader, the API server's stack).
 */
export const NOT_IN_TERMINAL = /(^|\/)dist\/(backoffice|wallet|dashboard|web|bench|scripts|test)\/|(^|\/)dist\/protocol\/testkit\.js$|(^|\/)dist\/terminal\/daemon\/testing\.js$|sim-terminal|test-world|testkit|(^|\/)node_modules\/(aedes|jsqr|pg|fastify|@fastify\/[^/]+|oidc-provider|jose|tap|typescript|eslint)\/|(^|\/)usr\/bin\/tessera-(backoffice|wallet)$|tessera-backoffice|tessera-clearing|tessera-wallet/;
