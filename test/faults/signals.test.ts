// Signals on a child daemon: SIGHUP (as the unit's ExecReload sends it) reloads the config instead of killing the process.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, type PaymentState } from '#terminal';
import { createTerminalWorld } from '#terminal/testkit';
import { CLI, until } from './harness.js';

const UNIT = join(process.cwd(), 'systemd/tessera.service');

/** Runs the unit's ExecReload= command line as systemd would for a main PID. */
function execReload(pid: number): { status: number | null; stderr: string } {
  const line = /^ExecReload=(.+)$/m.exec(readFileSync(UNIT, 'utf8'))?.[1];
  if (!line) throw new Error('tessera.service has no ExecReload=');
  const [cmd, ...args] = line.replace('$MAINPID', String(pid)).split(/\s+/);
  const r = spawnSync(cmd as string, args, { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

t.test('SIGHUP reloads terminal.json: live sections applied, others reported, a broken file refused; no crash, no stale socket', { timeout: 60_000 }, async (t) => {
  const tw = await createTerminalWorld({ now: Math.floor(Date.now() / 1000) });
  t.teardown(() => tw.cleanup());
  const daemon = spawn(process.execPath, [CLI, 'daemon', '--config', tw.configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', TESSERA_LOG_LEVEL: 'info' },
  });
  let logs = '';
  daemon.stdout.on('data', (c: Buffer) => (logs += c.toString()));
  daemon.stderr.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => daemon.once('exit', (code, signal) => resolve({ code, signal })));
  t.teardown(() => void (daemon.exitCode === null && daemon.signalCode === null && daemon.kill('SIGKILL')));
  const alive = (): boolean => daemon.exitCode === null && daemon.signalCode === null;
  const api = new ApiClient({ socketPath: tw.config.api.socket }, 10_000);
  await until(() => api.call<{ ready: boolean }>('GET', '/v1/status').then((s) => s.ready, () => false), 20_000, 'the daemon to be ready');
  const timeout = async (): Promise<number> => {
    const p = await api.call<PaymentState>('POST', '/v1/payments', { amount: 100 });
    await api.call('POST', `/v1/payments/${p.id}/cancel`, {});
    return Math.ceil((p.expiresAt - p.createdAt) / 1000);
  };
  t.equal(await timeout(), 120, 'the default request timeout');
  const reloads = (): number => logs.split('\n').filter((l) => l.includes('"msg":"configuration reload')).length;

  const cfg = JSON.parse(readFileSync(tw.configPath, 'utf8')) as Record<string, Record<string, unknown>>;
  cfg.merchant = { ...cfg.merchant, requestTimeoutSeconds: 45 };
  cfg.database = { ...cfg.database, path: join(tw.dir, 'elsewhere.db') };
  writeFileSync(tw.configPath, JSON.stringify(cfg));
  t.match(execReload(daemon.pid as number), { status: 0 }, 'the unit’s ExecReload runs');
  await until(() => reloads() === 1 || !alive(), 10_000, 'the reload to be logged');
  t.ok(alive(), 'SIGHUP did not kill the daemon');
  t.equal(await timeout(), 45, 'merchant settings applied without a restart');
  t.match(logs, /"restartNeeded":\["database"\]/, 'a change that needs a restart is named, not half-applied');
  t.notOk(existsSync(join(tw.dir, 'elsewhere.db')), 'the running store stays where it is');

  writeFileSync(tw.configPath, '{"merchant": ');
  daemon.kill('SIGHUP');
  await until(() => reloads() === 2 || !alive(), 10_000, 'the second reload to be logged');
  t.ok(alive(), 'a torn config file does not stop the till');
  t.match(logs, /configuration reload refused: the running configuration stays in force/);
  t.equal(await timeout(), 45, 'the running configuration is unchanged');

  daemon.kill('SIGTERM');
  const exit = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000).unref())]);
  t.same(exit, { code: 0, signal: null }, 'a clean stop after the reloads (exit 0, reaped, no zombie)');
  t.notOk(existsSync(tw.config.api.socket), 'no stale control socket left behind');
});
