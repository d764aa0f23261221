// `tessera-backoffice run`: its worker options are checked before anything opens (a bad value is a usage error, exit non-zero).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const CLI = fileURLToPath(new URL('./cli/main.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, '--home', '/nonexistent/tessera-home', ...args], { env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

t.test('bad worker options are refused with USAGE and a reason', async (t) => {
  for (const [args, reason] of [
    [['--share-group', 'a/b'], /--share-group must be one topic level/],
    [['--share-group', '+'], /--share-group must be one topic level/],
    [['--concurrency', '0'], /--concurrency must be at least 1/],
    [['--resync-delay', '-5'], /--resync-delay must be a whole number/],
  ] as const) {
    const r = await run(['run', ...args]);
    t.not(r.code, 0, `${args.join(' ')} exits non-zero`);
    t.match(r.stderr, /\[USAGE\]/);
    t.match(r.stderr, reason);
  }
  const j = await run(['--json', 'run', '--concurrency', 'x']);
  t.not(j.code, 0);
  t.match(JSON.parse(j.stdout), { error: { code: 'USAGE' } }, '--json puts the error on stdout');
});

t.test('--help names every worker option and its environment variable', async (t) => {
  const r = await run(['run', '--help']);
  t.equal(r.code, 0);
  for (const o of ['--worker-id', 'TESSERA_WORKER_ID', '--share-group', 'TESSERA_SHARE_GROUP', '--concurrency', '--resync-delay']) t.match(r.stdout, o);
});
