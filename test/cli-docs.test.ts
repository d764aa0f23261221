// Man pages, bash and zsh completion are generated from the CLIs' commander definitions: every command is in them, man renders them cleanly, bash completes with them.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliSpec } from '#common';

const CLIS = { tessera: 'dist/terminal/cli/main.js', 'tessera-backoffice': 'dist/backoffice/cli/main.js', 'tessera-wallet': 'dist/wallet/cli/main.js' } as const;
const out = mkdtempSync(join(tmpdir(), 'tessera-cli-docs-'));
t.teardown(() => rmSync(out, { recursive: true, force: true }));
execFileSync(process.execPath, ['scripts/cli-docs.mjs', '--out', out], { env: { ...process.env, NODE_OPTIONS: '' } });

const specOf = (entry: string): CliSpec => JSON.parse(execFileSync(process.execPath, [entry], { env: { ...process.env, NODE_OPTIONS: '', TESSERA_CLI_SPEC: '1' }, encoding: 'utf8' })) as CliSpec;
const leaves = (c: CliSpec, path: string[] = []): string[] =>
  c.commands.filter((s) => s.name !== 'help').flatMap((s) => (s.commands.length ? leaves(s, [...path, s.name]) : [[...path, s.name].join(' ')]));

/** What the generated completion offers for a command line whose last word is being typed. */
function complete(cli: string, words: string[]): string[] {
  const script = `source ${join(out, 'bash-completion/completions', cli)}; COMP_WORDS=(${[cli, ...words].map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _${cli.replace(/-/g, '_')}; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '-c', script], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

for (const [cli, entry] of Object.entries(CLIS)) {
  t.test(`${cli}: man page and completion cover every command`, async (t) => {
    const spec = specOf(entry);
    const page = readFileSync(join(out, 'man/man1', `${cli}.1`), 'utf8');
    const commands = leaves(spec);
    t.ok(commands.length > 3, `${commands.length} commands`);
    for (const c of commands) t.match(page, new RegExp(`^\\.SS ${c.replace(/-/g, '\\\\-')}(\\s|$)`, 'm'), `man page has ${c}`);
    const man = spawnSync('man', ['--warnings', '-l', join(out, 'man/man1', `${cli}.1`)], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', LC_ALL: 'C.UTF-8', MANPAGER: 'cat', PAGER: 'cat' } });
    t.equal(man.status, 0);
    t.equal(man.stderr, '', 'groff has no warnings');
    t.match(man.stdout, /^NAME\n {7}\S/m);
    const top = complete(cli, ['']);
    t.same(spec.commands.filter((c) => c.name !== 'help').map((c) => c.name).filter((c) => !top.includes(c)), [], 'every top-level command is offered');
    t.ok(top.includes('--json') && top.includes('--version'), 'and the global options');
    // Every command and option says what it is: the man page and --help are made of these lines.
    const undescribed = (c: CliSpec, path: string): string[] => [
      ...(c.description.trim() ? [] : [path]),
      ...c.options.filter((o) => !o.description.trim()).map((o) => `${path} ${o.flags}`),
      ...c.commands.flatMap((s) => undescribed(s, `${path} ${s.name}`)),
    ];
    t.same(undescribed(spec, cli), [], 'no empty description');
  });
}

/** What the generated zsh function offers (compadd and _files stand in for zsh's completion system). */
function zcomplete(cli: string, words: string[]): string[] {
  const script = `compadd() { shift; print -l -- "$@"; }; _files() { print '<files>'; }; words=(${[cli, ...words].map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length + 1}; source ${join(out, 'zsh/vendor-completions', `_${cli}`)}`;
  const r = spawnSync('zsh', ['-f', '-c', script], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

t.test('zsh completion offers the same words', async (t) => {
  for (const cli of Object.keys(CLIS)) t.same(zcomplete(cli, ['']), complete(cli, ['']), `${cli}: top level`);
  t.same(zcomplete('tessera', ['tx', '']).filter((w) => !w.startsWith('-')), ['list', 'show', 'export']);
  t.same(zcomplete('tessera', ['backup', '--out', '']), ['<files>'], 'file names after --out');
});

t.test('tessera completion follows the command path and leaves option values to the shell', async (t) => {
  t.same(complete('tessera', ['tx', '']).filter((w) => !w.startsWith('-')), ['list', 'show', 'export']);
  t.same(complete('tessera', ['--config', '/etc/t.json', 'provision', 'ch']), ['check']);
  t.same(complete('tessera', ['backup', '--o']), ['--out']);
  t.same(complete('tessera', ['backup', '--out', '']), [], 'a file name comes next: bash\'s default completion');
});
