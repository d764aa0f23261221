// make install lays out both packages' files (dist/, production deps, wrappers, units and rules); uninstall keeps data.
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSTALLED, NOT_IN_TERMINAL, make, run, scratch, walk } from './helpers.js';

t.test('make install DESTDIR lays out the files; make uninstall removes them, keeps data', async (t) => {
  const dest = scratch(t, 'destdir');
  const r = make('install', { DESTDIR: dest, PREFIX: '/usr' });
  t.equal(r.status, 0, r.stderr);
  for (const f of INSTALLED) t.ok(existsSync(join(dest, f)), f);

  for (const cmd of ['tessera', 'tessera-backoffice', 'tessera-wallet']) {
    t.equal(statSync(join(dest, 'usr/bin', cmd)).mode & 0o777, 0o755, `${cmd} is executable`);
  }
  t.match(readFileSync(join(dest, 'usr/bin/tessera'), 'utf8'), /\nexec "\$\{TESSERA_NODE:-node\}" \/usr\/lib\/tessera\/dist\/terminal\/cli\/main\.js "\$@"\n/);
  t.match(readFileSync(join(dest, 'usr/bin/tessera-backoffice'), 'utf8'), /\/usr\/lib\/tessera-backoffice\/dist\/backoffice\/cli\/main\.js "\$@"/);
  t.match(readFileSync(join(dest, 'usr/bin/tessera-wallet'), 'utf8'), /\/usr\/lib\/tessera-backoffice\/dist\/wallet\/cli\/main\.js "\$@"/);

  const lib = join(dest, 'usr/lib/tessera');
  for (const l of [lib, join(dest, 'usr/lib/tessera-backoffice')]) {
    const files = walk(join(l, 'dist'));
    t.same(files.filter((f) => /\.test\.js$|\.map$|^test\//.test(f)), [], `no tests or source maps shipped in ${l}`);
    const modules = readdirSync(join(l, 'node_modules'));
    for (const dev of ['tap', 'typescript', 'eslint', 'fast-check', 'typescript-eslint', 'vite', 'react']) t.notOk(modules.includes(dev), `dev dependency ${dev} not shipped`);
    t.notOk(existsSync(join(l, 'node_modules/better-sqlite3/deps')), 'native build leftovers pruned');
  }
  // The terminal's library holds the terminal only; its package.json names no alias whose file is not there.
  t.same(walk(lib).filter((f) => NOT_IN_TERMINAL.test(f)), [], 'no back office, wallet, demo, bench, test kit or their npm packages in the terminal');
  const imports = (JSON.parse(readFileSync(join(lib, 'package.json'), 'utf8')) as { imports: Record<string, string> }).imports;
  t.same(Object.keys(imports).filter((k) => /testkit|backoffice|wallet/.test(k)), [], 'no test-kit, back-office or wallet alias');
  for (const [alias, target] of Object.entries(imports)) t.ok(existsSync(join(lib, target)), `${alias} → ${target} ships`);

  // The staged tree runs on its own: the "#common" alias, pino and the SQLite addon for the running Node
  // (better-sqlite3's own build, or one for this Node's ABI that make node24 added) all load.
  const probe = run('node', ['--input-type=module', '-e', `
    const { TesseraError } = await import('#common');
    const { Sqlite } = await import('#common/node');
    const db = new Sqlite(':memory:');
    console.log(JSON.stringify([typeof TesseraError, db.prepare('select 41 + 1 as x').get().x]));
  `], { cwd: lib, env: { ...process.env, TESSERA_SQLITE_BINDING: '' } });
  t.equal(probe.status, 0, probe.stderr);
  t.equal(probe.stdout.trim(), '["function",42]');

  // Data and config a terminal made while installed.
  mkdirSync(join(dest, 'var/lib/tessera/keys'), { recursive: true });
  writeFileSync(join(dest, 'var/lib/tessera/terminal.db'), 'payments');
  writeFileSync(join(dest, 'var/lib/tessera/keys/terminal.key'), 'key');
  mkdirSync(join(dest, 'etc/tessera'), { recursive: true });
  writeFileSync(join(dest, 'etc/tessera/terminal.json'), '{}');

  const u = make('uninstall', { DESTDIR: dest, PREFIX: '/usr' });
  t.equal(u.status, 0, u.stderr);
  for (const f of INSTALLED) t.notOk(existsSync(join(dest, f)), `${f} removed`);
  t.notOk(existsSync(lib), 'library folder removed');
  t.notOk(existsSync(join(dest, 'usr/lib/tessera-backoffice')), 'back-office library folder removed');
  t.equal(readFileSync(join(dest, 'var/lib/tessera/terminal.db'), 'utf8'), 'payments', 'payment journal kept');
  t.equal(readFileSync(join(dest, 'var/lib/tessera/keys/terminal.key'), 'utf8'), 'key', 'key kept');
  t.ok(existsSync(join(dest, 'etc/tessera/terminal.json')), 'config kept');
});

t.test('PREFIX moves everything, and the wrapper runs the entry point with its arguments', async (t) => {
  const prefix = join(scratch(t, 'prefix'), 'usr', 'local');
  const r = make('install', { PREFIX: prefix });
  t.equal(r.status, 0, r.stderr);
  t.match(readFileSync(join(prefix, 'lib/systemd/system/tessera.service'), 'utf8'), new RegExp(`\\nExecStart=${prefix}/bin/tessera daemon\\n`));
  // Until the real CLI lands (and regardless of it), a stand-in entry point shows what the wrapper passes.
  const main = join(prefix, 'lib/tessera/dist/terminal/cli/main.js');
  mkdirSync(join(main, '..'), { recursive: true });
  writeFileSync(main, "const { ERROR_CODES } = await import('#common');\nconsole.log(JSON.stringify({ argv: process.argv.slice(2), codes: ERROR_CODES.length > 0 }));\n");
  const w = run(join(prefix, 'bin/tessera'), ['daemon', '--config', 'a b.json']);
  t.equal(w.status, 0, w.stderr);
  t.same(JSON.parse(w.stdout), { argv: ['daemon', '--config', 'a b.json'], codes: true });
  t.equal(make('uninstall', { PREFIX: prefix }).status, 0);
  t.notOk(existsSync(join(prefix, 'bin/tessera')));
});

t.test('install.sh refuses a relative PREFIX and an unknown package', async (t) => {
  const r = run('bash', ['packaging/install.sh', 'uninstall'], { env: { ...process.env, PREFIX: 'usr', DESTDIR: scratch(t, 'refuse') } });
  t.equal(r.status, 2);
  t.match(r.stderr, /refusing: PREFIX=usr/);
  const u = run('bash', ['packaging/install.sh', 'install', 'tessera-demo'], { env: { ...process.env, DESTDIR: scratch(t, 'refuse') } });
  t.equal(u.status, 2);
  t.match(u.stderr, /unknown package tessera-demo/);
});
