// The daemon's log lines carry their syslog priority when stdout is the journal (JOURNAL_STREAM names it), so `journalctl -p` filters.
import t from 'tap';
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from '#terminal';
import { createTerminalWorld } from '#terminal/testkit';

const CLI = join(process.cwd(), 'dist/terminal/cli/main.js');

t.test('a daemon whose stdout is the journal stream prefixes every line with <N>', { timeout: 60_000 }, async (t) => {
  const tw = await createTerminalWorld();
  t.teardown(() => tw.cleanup());
  // A file stands in for journald's stream: JOURNAL_STREAM names its device:inode, as systemd does.
  const logFile = join(tw.dir, 'journal.out');
  const fd = openSync(logFile, 'w');
  const st = fstatSync(fd);
  const daemon = spawn(process.execPath, [CLI, 'daemon', '--config', tw.configPath], {
    stdio: ['ignore', fd, 'ignore'],
    env: { ...process.env, NODE_OPTIONS: '', TESSERA_LOG_LEVEL: 'debug', JOURNAL_STREAM: `${st.dev}:${st.ino}` },
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  t.teardown(() => void (daemon.exitCode === null && daemon.kill('SIGKILL')));
  const api = new ApiClient({ socketPath: tw.config.api.socket });
  let up = false;
  for (let i = 0; i < 200 && !up; i++) {
    up = await api.call('GET', '/v1/status').then(() => true, () => false);
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  t.ok(up, 'daemon answers');
  daemon.kill('SIGTERM');
  t.equal(await exited, 0);
  const lines = readFileSync(logFile, 'utf8').trim().split('\n');
  t.ok(lines.length >= 2, `the daemon logged (${lines.length} lines)`);
  const expected: Record<number, number> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };
  for (const line of lines) {
    const m = /^<(\d)>(\{.*\})$/.exec(line);
    t.ok(m, `prefixed: ${line.slice(0, 80)}`);
    if (!m) continue;
    const rec = JSON.parse(m[2]!) as { level: number };
    t.equal(Number(m[1]), expected[rec.level], `level ${rec.level} → priority ${m[1]}`);
    t.ok((m[2]!.match(/"component":/g) ?? []).length <= 1, 'one component key per line');
  }
  t.ok(lines.some((l) => l.startsWith('<6>')), 'info lines are priority 6');
  // The test world writes a config without "version": the daemon migrates it and says so, as a warning.
  t.ok(lines.some((l) => l.startsWith('<4>') && l.includes('is version 0: migrated to 1 in memory')), 'the config migration is a warning in the journal');
});
