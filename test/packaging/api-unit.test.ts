// tessera-backoffice-api.service passes systemd-analyze verify, rates OK or better, and runs `serve` without privileges.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, run, unitRoot } from './helpers.js';

const NAME = 'tessera-backoffice-api.service';
const UNIT = join(REPO, 'systemd', NAME);

/** A root with the host's units and a stand-in /usr/bin/tessera-backoffice (or none). */
const root = (t: Parameters<typeof unitRoot>[0], text: string, withBinary = true): string => unitRoot(t, NAME, text, withBinary ? ['usr/bin/tessera-backoffice'] : []);

t.test('systemd-analyze verify is clean, and not vacuous', async (t) => {
  const text = readFileSync(UNIT, 'utf8');
  const ok = run('systemd-analyze', ['verify', `--root=${root(t, text)}`, NAME]);
  t.equal(ok.status, 0, ok.stderr);
  t.equal(ok.stderr.trim(), '', 'no warnings at all');
  const missing = run('systemd-analyze', ['verify', `--root=${root(t, text, false)}`, NAME]);
  t.match(missing.stderr, /\/usr\/bin\/tessera-backoffice is not executable/);
});

t.test('systemd-analyze security rates it OK or better (exposure <= 4.9)', async (t) => {
  const r = run('systemd-analyze', ['security', '--offline=true', UNIT]);
  t.equal(r.status, 0, r.stderr);
  const m = /Overall exposure level for tessera-backoffice-api\.service: (\d+\.\d) (\w+)/.exec(r.stdout);
  t.ok(m && Number(m[1]) <= 4.9, `exposure ${m?.[1]} ${m?.[2]}`);
  t.equal(run('systemd-analyze', ['security', '--offline=true', '--threshold=49', UNIT]).status, 0);
});

t.test('it runs serve from an env file, never the dev IdP, as an unprivileged dynamic user sharing the back-office home', async (t) => {
  const text = readFileSync(UNIT, 'utf8');
  const service = text.slice(text.indexOf('[Service]'));
  const lines = service.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  t.ok(lines.includes('ExecStart=/usr/bin/tessera-backoffice serve'));
  t.notMatch(lines.join('\n'), /dev-idp/, 'the dev identity provider is never started by the unit');
  t.ok(lines.includes('EnvironmentFile=-/etc/tessera-backoffice/api.env'));
  t.ok(lines.includes('DynamicUser=yes') && lines.includes('User=tessera-backoffice'));
  t.ok(lines.includes('StateDirectory=tessera-backoffice'));
  t.match(lines.join('\n'), /TESSERA_BACKOFFICE_HOME=\/var\/lib\/tessera-backoffice/);
  t.ok(lines.includes('CapabilityBoundingSet='));
  t.ok(lines.includes('Restart=always'));
});
