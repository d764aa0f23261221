// scripts/dashboard-perf explains itself and refuses what it does not understand.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';

const SCRIPT = join(process.cwd(), 'dist/scripts/dashboard-perf.js');
const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });

t.test('--help, and unknown or bad arguments fail with a reason', async (t) => {
  const help = await run(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /usage: node dist\/scripts\/dashboard-perf\.js \[--runs N\] \[--json\]/);
  const typo = await run(['--run', '3']);
  t.equal(typo.code, 1);
  t.match(typo.stderr, /unknown argument --run/);
  const bad = await run(['--runs', '0']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /--runs must be a positive integer/);
});
