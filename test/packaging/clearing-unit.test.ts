// tessera-clearing@.service: one clearing worker per instance; passes systemd-analyze verify and rates OK or better.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, run, unitRoot } from './helpers.js';

const NAME = 'tessera-clearing@.service';
const UNIT = join(REPO, 'systemd', NAME);
const INSTANCE = 'tessera-clearing@clearing-1.service';

/** A root with the host's units, the template unit and (unless `binary` is false) /usr/bin/tessera-backoffice. */
const verifyRoot = (t: Parameters<typeof unitRoot>[0], unitText: string, binary = true): string => unitRoot(t, NAME, unitText, binary ? ['usr/bin/tessera-backoffice'] : []);

t.test('systemd-analyze verify is clean for an instance, and not vacuous', async (t) => {
  const text = readFileSync(UNIT, 'utf8');
  const ok = run('systemd-analyze', ['verify', `--root=${verifyRoot(t, text)}`, INSTANCE]);
  t.equal(ok.status, 0, ok.stderr);
  t.equal(ok.stderr.trim(), '', 'no warnings at all');
  const noBinary = run('systemd-analyze', ['verify', `--root=${verifyRoot(t, text, false)}`, INSTANCE]);
  t.not(noBinary.status, 0, 'verify fails without the binary');
  t.match(noBinary.stderr, /\/usr\/bin\/tessera-backoffice is not executable/);
});

t.test('systemd-analyze security rates an instance OK or better (exposure <= 4.9)', async (t) => {
  const r = run('systemd-analyze', ['security', '--offline=true', `--root=${verifyRoot(t, readFileSync(UNIT, 'utf8'))}`, '--threshold=49', INSTANCE]);
  t.equal(r.status, 0, r.stdout.slice(-1_000) + r.stderr);
  const m = /Overall exposure level for tessera-clearing@clearing-1\.service: (\d+\.\d) (\w+)/.exec(r.stdout);
  t.ok(m && Number(m[1]) <= 4.9, `exposure ${m?.[1]} ${m?.[2]}`);
});

t.test('each instance is one worker with its own name and broker identity, on the shared settings', async (t) => {
  const text = readFileSync(UNIT, 'utf8');
  const service = text.slice(text.indexOf('[Service]'), text.indexOf('[Install]'));
  const values = (key: string) => [...service.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);
  t.same(values('ExecStart'), ['/usr/bin/tessera-backoffice run']);
  t.same(values('EnvironmentFile'), ['/etc/tessera-backoffice/clearing.env'], 'database and broker URLs shared by the instances');
  t.match(values('Environment'), ['TESSERA_WORKER_ID=%i', 'TESSERA_BROKER_CERT=/etc/tessera-backoffice/broker/%i.crt', 'TESSERA_BROKER_KEY=/etc/tessera-backoffice/broker/%i.key']);
  t.same(values('Restart'), ['always']);
  t.same(values('User'), ['tessera-backoffice']);
  // The variables the unit sets are the ones `run` reads (its --help names each).
  const help = run(process.execPath, [join(REPO, 'dist/backoffice/cli/main.js'), 'run', '--help']).stdout;
  for (const v of ['TESSERA_WORKER_ID', 'TESSERA_BROKER_CERT', 'TESSERA_BROKER_KEY']) t.match(help, v, `run reads ${v}`);
});
