// The bench and soak runners explain themselves and refuse what they do not understand (a typo must not start a week-long soak).
import t from 'tap';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const SCRIPTS = join(process.cwd(), 'dist/scripts');

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(SCRIPTS, script), ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

t.test('soak --help lists every part with its default run; unknown flags and parts are refused', async (t) => {
  const help = await run('soak.js', ['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /usage: node dist\/scripts\/soak\.js/);
  t.match(help.stdout, /protocol\s+.*\(default: 1,000,000 iterations\)/);
  t.match(help.stdout, /scanner\s+.*\(default: 1,000,000 iterations\)/);
  t.match(help.stdout, /mqtt\s+.*\(default: 1,000,000 iterations\)/);
  t.match(help.stdout, /faults\s+.*\(default: 60 minutes\)/);
  const typo = await run('soak.js', ['--minute', '1']);
  t.equal(typo.code, 1);
  t.match(typo.stderr, /unknown argument --minute/);
  const part = await run('soak.js', ['--only', 'nonesuch']);
  t.equal(part.code, 1);
  t.match(part.stderr, /no soak loop for part nonesuch; parts: protocol, scanner, mqtt, faults/);
  const bad = await run('soak.js', ['--iterations', '0']);
  t.match(bad.stderr, /--iterations must be a positive integer/);
});

t.test('soak runs a short loop and reports it', async (t) => {
  const r = await run('soak.js', ['--only', 'protocol', '--iterations', '200']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /protocol — verifiers vs random and mutated payments: 200 iterations in [\d.]+s, 0 failures/);
});

t.test('bench --help names the sections; unknown arguments and sections are refused', async (t) => {
  const help = await run('bench.js', ['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /sections: audit, coldstart, decision, drain, ledger, memory, protocol, settlement, workers/);
  const typo = await run('bench.js', ['--onyl', 'decision']);
  t.equal(typo.code, 1);
  t.match(typo.stderr, /unknown arguments: --onyl decision/);
  const none = await run('bench.js', ['--only', 'nonesuch']);
  t.equal(none.code, 1);
  t.match(none.stderr, /no bench section named nonesuch; sections: /);
});
