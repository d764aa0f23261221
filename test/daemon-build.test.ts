// Which build `tessera daemon` runs: the single-file bundle after `make build`, the per-file tsc output when the bundle is absent.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient, type DaemonStatus } from '#terminal';
import { createTerminalWorld } from '#terminal/testkit';

const REPO = fileURLToPath(new URL('../../', import.meta.url)); // dist/test/ → the checkout

/** Starts `<main> daemon --config …`, waits for its control API, returns its status and 'daemon started' log line, then stops it. */
async function runDaemon(t: Test, main: string): Promise<{ status: DaemonStatus; started: Record<string, unknown> | undefined; code: number | null }> {
  const tw = await createTerminalWorld({ now: Math.floor(Date.now() / 1000) });
  t.teardown(() => tw.cleanup());
  const child = spawn(process.execPath, [main, 'daemon', '--config', tw.configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', TESSERA_LOG_LEVEL: 'info' },
  });
  t.teardown(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const api = new ApiClient({ socketPath: tw.config.api.socket });
  let status: DaemonStatus | undefined;
  for (let i = 0; i < 400 && !status && child.exitCode === null; i++) {
    status = await api.call<DaemonStatus>('GET', '/v1/status').catch(() => undefined);
    if (!status) await new Promise((r) => setTimeout(r, 50));
  }
  if (!status) throw new Error(`daemon did not answer: ${err}`);
  child.kill('SIGTERM');
  const code = await exited;
  const started = out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.msg === 'daemon started');
  return { status, started, code };
}

/** What `<main> daemon` says about a config zod refuses (the bundle keeps only zod's English messages: scripts/bundle.mjs). */
function refusedConfig(t: Test, main: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-badcfg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'bad.json');
  writeFileSync(path, JSON.stringify({ limits: { maxOfflineHours: -1 } }));
  const r = spawnSync(process.execPath, [main, 'daemon', '--config', path], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } });
  t.equal(r.status, 1, 'a refused config exits 1');
  return r.stderr.replace(path, 'CONFIG');
}
const REFUSED = 'tessera: CONFIG_INVALID: CONFIG: limits.maxOfflineHours: Too small: expected number to be >=0\n';

t.test('tessera daemon runs the single-file bundle that make build made', { timeout: 60_000 }, async (t) => {
  t.ok(existsSync(join(REPO, 'dist/tessera-daemon.mjs')), 'make build wrote dist/tessera-daemon.mjs');
  const r = await runDaemon(t, join(REPO, 'dist/terminal/cli/main.js'));
  t.match(r.status, { build: 'bundle', ready: true, terminalId: 'T-0001' });
  t.match(r.started, { build: 'bundle' }, 'the start log says which build runs');
  t.equal(r.code, 0, 'SIGTERM stops it cleanly');
  t.equal(refusedConfig(t, join(REPO, 'dist/terminal/cli/main.js')), REFUSED, "zod's messages in the bundle");
});

t.test('without the bundle (a tsc-only build), tessera daemon runs the same code from its modules', { timeout: 60_000 }, async (t) => {
  // A copy of the compiled tree without dist/tessera-daemon.mjs; the checkout's dist/ is shared by other tests.
  const root = mkdtempSync(join(tmpdir(), 'tessera-nobundle-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const part of ['common', 'protocol', 'drivers', 'terminal']) {
    cpSync(join(REPO, 'dist', part), join(root, 'dist', part), { recursive: true, filter: (src) => !/\.test\.js$|\.map$/.test(src) });
  }
  cpSync(join(REPO, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  t.notOk(existsSync(join(root, 'dist/tessera-daemon.mjs')));
  const r = await runDaemon(t, join(root, 'dist/terminal/cli/main.js'));
  t.match(r.status, { build: 'modules', ready: true, terminalId: 'T-0001' });
  t.match(r.started, { build: 'modules' });
  t.equal(r.code, 0);
  t.equal(refusedConfig(t, join(root, 'dist/terminal/cli/main.js')), REFUSED, 'the same message as the bundle');
});
