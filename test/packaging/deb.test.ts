// make deb builds the terminal and back-office packages: control fields, file lists, copyright and changelog, lintian, and a scratch-root install.
import t from 'tap';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { INSTALLED_BACKOFFICE, INSTALLED_TERMINAL, NOT_IN_TERMINAL, REPO, make, run, scratch } from './helpers.js';

const arch = run('dpkg', ['--print-architecture']).stdout.trim();
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** A scratch root like a fresh Debian/Raspberry Pi OS: base groups, an empty dpkg database. */
function scratchRoot(t: Parameters<typeof scratch>[0]): string {
  const root = scratch(t, 'root');
  mkdirSync(join(root, 'var/lib/dpkg/info'), { recursive: true });
  mkdirSync(join(root, 'var/lib/dpkg/updates'), { recursive: true });
  writeFileSync(join(root, 'var/lib/dpkg/status'), '');
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nlp:x:7:\ndialout:x:20:\nvideo:x:44:\nplugdev:x:46:\n');
  return root;
}

/**
 * dpkg --root chroots into the root to run maintainer scripts, which needs a whole system there.
 * --force-script-chrootless runs them on the host with DPKG_ROOT set instead; our scripts honour
 * it (systemd-sysusers/tmpfiles --root, deb-systemd-helper), the way Debian's own bootstrap does.
 * Dependencies (nodejs, systemd, udev, libraries) are not in the scratch database, hence --force-depends;
 * --force-unsafe-io skips the per-file fsync a real install wants and a throwaway root does not.
 */
function dpkg(root: string, ...args: string[]): ReturnType<typeof run> {
  return run('dpkg', [`--root=${root}`, '--log=/dev/null', '--force-script-chrootless', '--force-depends', '--force-unsafe-io', ...args]);
}

// Built once for all tests, gzip-compressed (lintian refuses uncompressed members; xz would take a minute).
const out = scratch(t, 'deb');
const made = make('deb', { DEB_OUT: out, DEB_COMPRESS: 'gzip' });
const deb = join(out, `tessera_${version}_${arch}.deb`);
const debBackoffice = join(out, `tessera-backoffice_${version}_${arch}.deb`);

function contents(file: string): { paths: string[]; listing: string[] } {
  const listing = run('dpkg-deb', ['-c', file]).stdout.split('\n').filter((l) => l.length > 0);
  return { listing, paths: listing.map((l) => (l.split(/\s+/).at(-1) ?? '').replace(/^\.\//, '')) };
}

t.test('make deb: two packages with their control fields and maintainer scripts', async (t) => {
  t.equal(made.status, 0, made.stderr);
  t.same(readdirSync(out).sort(), [`tessera-backoffice_${version}_${arch}.deb`, `tessera_${version}_${arch}.deb`], 'two packages named for this architecture, staging cleaned up');
  for (const [file, name] of [[deb, 'tessera'], [debBackoffice, 'tessera-backoffice']] as const) {
    const field = (f: string): string => run('dpkg-deb', ['-f', file, f]).stdout.trim();
    t.equal(field('Package'), name);
    t.equal(field('Architecture'), arch);
    t.equal(field('Version'), version);
    const depends = field('Depends');
    t.match(depends, /^nodejs \(>= 20\.19\), /, `${name}: Node 20.19 or later`);
    t.notMatch(depends, /nodejs \(<</, `${name}: no upper bound on Node`);
    t.match(depends, /\blibc6 \(>= [\d.]+\)/, `${name}: the addons' shared libraries`);
    t.match(depends, /\bsystemd\b/);
    t.equal(/\budev\b/.test(depends), name === 'tessera', `${name}: udev only for the terminal`);
    t.notMatch(depends, /\btessera\b(?!-)/, `${name}: neither package needs the other`);
    const info = run('dpkg-deb', ['-I', file]).stdout;
    for (const s of ['postinst', 'prerm', 'postrm', 'md5sums']) t.match(info, new RegExp(`\\b${s}\\b`), `${name}: ${s} in control archive`);
  }
  t.match(run('dpkg-deb', ['-f', deb, 'Description']).stdout, /SQLite: Node 20/, 'the description names the Node ABIs its SQLite addon was built for');
});

t.test('the terminal package: daemon, CLI and drivers only', async (t) => {
  const { paths, listing } = contents(deb);
  for (const f of INSTALLED_TERMINAL) t.ok(paths.includes(f), `${f} in package`);
  t.ok(listing.every((l) => l.includes(' root/root ')), 'every file owned by root');
  t.same(paths.filter((p) => NOT_IN_TERMINAL.test(p)), [], 'no back office, wallet, dashboard, demo, bench, test kit, aedes, jsqr, pg, fastify or oidc-provider');
  t.same(paths.filter((p) => /\.test\.js$|\.map$|^var\/lib\/tessera|^etc\//.test(p)), [], 'no tests, source maps, data or /etc files (nothing dpkg would delete on purge)');
  t.same(paths.filter((p) => /node_modules\/(tap|typescript|eslint|vite|react)\//.test(p)), [], 'no dev dependencies');
  for (const p of ['usr/share/doc/tessera/copyright', 'usr/share/doc/tessera/changelog.gz', 'usr/share/lintian/overrides/tessera']) t.ok(paths.includes(p), p);

  const x = scratch(t, 'extract');
  t.equal(run('dpkg-deb', ['-x', deb, x]).status, 0);
  t.equal(readFileSync(join(x, 'usr/lib/systemd/system/tessera.service'), 'utf8'), readFileSync(join(REPO, 'systemd/tessera.service'), 'utf8'));
  t.equal(statSync(join(x, 'usr/bin/tessera')).mode & 0o777, 0o755);
  t.match(gunzipSync(readFileSync(join(x, 'usr/share/man/man1/tessera.1.gz'))).toString(), /^\.TH "?TESSERA"? 1/m, 'a man page');
  t.equal(run('dpkg-deb', ['-e', deb, join(x, 'DEBIAN')]).status, 0);
  const sums = run('md5sum', ['--quiet', '-c', 'DEBIAN/md5sums'], { cwd: x });
  t.equal(sums.status, 0, `md5sums match the extracted files ${sums.stdout}`);

  // Machine-readable copyright: Tessera's licence, the Unifont glyphs, each npm package shipped.
  const copyright = readFileSync(join(x, 'usr/share/doc/tessera/copyright'), 'utf8');
  t.match(copyright, /^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/\n/);
  t.match(copyright, /\nFiles: \*\nCopyright: [^\n]*Tessera[^\n]*\nLicense: UNLICENSED\n/);
  t.match(copyright, /\nFiles: drivers\/fonts\/\*\n(.+\n)*License: GPL-2\+ with Font exception\n/);
  t.match(copyright, /\nLicense: GPL-2\+ with Font exception\n(.+\n)*.*\/usr\/share\/common-licenses\/GPL-2\.\n/);
  for (const pkg of readdirSync(join(x, 'usr/lib/tessera/node_modules')).filter((n) => !n.startsWith('@'))) {
    t.match(copyright, new RegExp(`\\nFiles: node_modules/${pkg.replace(/[.]/g, '\\.')}/\\*\\nCopyright: .+\\n(.+\\n)*?License: \\S`), `copyright stanza for ${pkg}`);
  }
  t.notMatch(copyright, /node_modules\/(aedes|jsqr|fastify|pg)\//, 'no stanza for what the terminal does not ship');
  const changelog = gunzipSync(readFileSync(join(x, 'usr/share/doc/tessera/changelog.gz'))).toString();
  t.match(changelog.split('\n')[0], new RegExp(`^tessera \\(${version.replace(/\./g, '\\.')}\\) \\w+; urgency=\\w+$`), 'changelog names this version');
});

t.test('the back-office package: CLI, API, units, web apps, man pages and completions', async (t) => {
  const { paths } = contents(debBackoffice);
  for (const f of INSTALLED_BACKOFFICE) t.ok(paths.includes(f), `${f} in package`);
  for (const p of ['usr/share/doc/tessera-backoffice/copyright', 'usr/share/doc/tessera-backoffice/changelog.gz']) t.ok(paths.includes(p), p);
  t.same(paths.filter((p) => /^usr\/(bin\/tessera|lib\/tessera\/|lib\/systemd\/system\/tessera\.service|lib\/udev)/.test(p) && !/^usr\/bin\/tessera-/.test(p)), [], 'no terminal files: the packages install side by side');
  t.same(paths.filter((p) => /testkit|sim-terminal|test-world|\.test\.js$|node_modules\/(aedes|tap|typescript|vite)\//.test(p)), [], 'no test kits, demo broker or dev dependencies');
  const x = scratch(t, 'extract-bo');
  t.equal(run('dpkg-deb', ['-x', debBackoffice, x]).status, 0);
  for (const unit of ['tessera-backoffice-api.service', 'tessera-clearing@.service']) {
    t.equal(readFileSync(join(x, 'usr/lib/systemd/system', unit), 'utf8'), readFileSync(join(REPO, 'systemd', unit), 'utf8'), `${unit} as in systemd/`);
  }
  const copyright = readFileSync(join(x, 'usr/share/doc/tessera-backoffice/copyright'), 'utf8');
  t.match(copyright, /\nFiles: node_modules\/fastify\/\*\n/);
  t.match(copyright, /\nFiles: node_modules\/react\/\*\n(.+\n)*?Comment: compiled into the web apps/, 'the web apps\' bundled libraries too');
  // The installed commands run from the extracted tree.
  const cli = join(x, 'usr/lib/tessera-backoffice/dist/backoffice/cli/main.js');
  for (const main of [cli, join(x, 'usr/lib/tessera-backoffice/dist/wallet/cli/main.js')]) {
    const v = run('node', [main, '--version']);
    t.equal(v.status, 0, v.stderr);
    t.equal(v.stdout.trim(), version);
  }
  // The packaged API server serves the packaged web apps (dist/web next to its own files).
  const home = join(x, 'home');
  t.equal(run('node', [cli, '--home', home, 'init']).status, 0);
  const server = spawn('node', [cli, '--home', home, 'serve', '--dev-idp', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => server.kill('SIGKILL'));
  let said = '';
  server.stdout.setEncoding('utf8').on('data', (d: string) => (said += d));
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout.on('data', () => {
      const m = /back-office API on (http:\/\/127\.0\.0\.1:\d+)/.exec(said);
      if (m?.[1]) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`serve exited ${code}: ${said}`)));
  });
  for (const app of ['dashboard', 'wallet']) {
    const res = await fetch(`${url}/${app}/`);
    t.equal(res.status, 200, `${app} served`);
    t.match(await res.text(), /<!doctype html>/i);
  }
  server.kill('SIGTERM');
  await once(server, 'exit');
});

t.test('lintian: no errors and no warnings on either package', async (t) => {
  const r = run('lintian', ['--tag-display-limit', '0', deb, debBackoffice], { timeoutMs: 600_000 });
  const tags = r.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
  t.same(tags, [], 'lintian tags');
  t.equal(r.status, 0, r.stderr);
});

t.test('dpkg installs into a scratch root: user, folders, enabled unit; remove and purge keep data', async (t) => {
  const root = scratchRoot(t);
  const i = dpkg(root, '-i', deb);
  t.equal(i.status, 0, i.stderr);
  t.match(run('dpkg', [`--root=${root}`, '-s', 'tessera']).stdout, /Status: install ok installed/);

  const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
  const user = /^tessera:x:(\d+):(\d+):[^:]*:\/var\/lib\/tessera:\/usr\/sbin\/nologin$/m.exec(passwd);
  t.ok(user, 'system user tessera with no login shell');
  const uid = Number(user?.[1]);
  t.ok(uid > 0 && uid < 1000, `system uid ${uid}`);
  const group = readFileSync(join(root, 'etc/group'), 'utf8');
  for (const g of ['dialout', 'plugdev', 'lp', 'video']) t.match(group, new RegExp(`^${g}:x:\\d+:tessera$`, 'm'), `member of ${g}`);

  const owned = (p: string, mode: number): void => {
    const st = statSync(join(root, p));
    t.equal(st.uid, uid, `${p} owned by tessera`);
    t.equal(st.mode & 0o777, mode, `${p} mode ${mode.toString(8)}`);
  };
  owned('var/lib/tessera', 0o750);
  owned('var/lib/tessera/keys', 0o700);
  owned('run/tessera', 0o750);
  const wants = join(root, 'etc/systemd/system/multi-user.target.wants/tessera.service');
  t.ok(lstatSync(wants).isSymbolicLink(), 'enabled for boot');
  t.match(readlinkSync(wants), /^(\/usr)?\/lib\/systemd\/system\/tessera\.service$/);

  // The installed terminal runs from the root: its CLI, and its store on the package's SQLite addon.
  const lib = join(root, 'usr/lib/tessera');
  const v = run('node', [join(lib, 'dist/terminal/cli/main.js'), '--version']);
  t.equal(v.status, 0, v.stderr);
  t.equal(v.stdout.trim(), version);
  const probe = run('node', ['--input-type=module', '-e', `
    const { createDatabase, openDatabase } = await import('./dist/terminal/store/index.js');
    createDatabase(process.argv[1]);
    const db = openDatabase(process.argv[1]);
    console.log(db.pragma('journal_mode', { simple: true }));
  `, join(root, 'probe.db')], { cwd: lib });
  t.equal(probe.status, 0, probe.stderr);
  t.equal(probe.stdout.trim(), 'wal', 'the installed store creates and opens a journal');

  // Configuring again (what an upgrade or `dpkg-reconfigure` runs) changes nothing.
  writeFileSync(join(root, 'var/lib/tessera/terminal.db'), 'payments');
  const again = run('sh', [join(root, 'var/lib/dpkg/info/tessera.postinst'), 'configure', version], { env: { ...process.env, DPKG_ROOT: root } });
  t.equal(again.status, 0, again.stderr);
  t.equal(readFileSync(join(root, 'etc/passwd'), 'utf8'), passwd, 'no second user');
  t.ok(lstatSync(wants).isSymbolicLink());

  const r = dpkg(root, '-r', 'tessera');
  t.equal(r.status, 0, r.stderr);
  for (const f of INSTALLED_TERMINAL) t.notOk(existsSync(join(root, f)), `${f} removed`);
  t.equal(readFileSync(join(root, 'var/lib/tessera/terminal.db'), 'utf8'), 'payments', 'data kept on remove');

  const p = dpkg(root, '-P', 'tessera');
  t.equal(p.status, 0, p.stderr);
  t.match(p.stdout, /kept .*\/var\/lib\/tessera/, 'purge says what it kept');
  t.equal(readFileSync(join(root, 'var/lib/tessera/terminal.db'), 'utf8'), 'payments', 'data kept on purge');
  t.ok(existsSync(join(root, 'var/lib/tessera/keys')), 'keys folder kept on purge');
  t.match(readFileSync(join(root, 'etc/passwd'), 'utf8'), /^tessera:/m, 'user kept (its uid still owns the data)');
  t.notOk(existsSync(wants), 'no longer enabled');
  t.equal(run('dpkg', [`--root=${root}`, '-s', 'tessera']).status, 1, 'package gone from the database');
});

t.test('both packages install side by side; the back office gets its user, enables nothing, and leaves with the terminal intact', async (t) => {
  const root = scratchRoot(t);
  t.equal(dpkg(root, '-i', deb).status, 0);
  const i = dpkg(root, '-i', debBackoffice);
  t.equal(i.status, 0, i.stderr);
  t.match(run('dpkg', [`--root=${root}`, '-s', 'tessera-backoffice']).stdout, /Status: install ok installed/);
  t.match(readFileSync(join(root, 'etc/passwd'), 'utf8'), /^tessera-backoffice:x:\d+:\d+:[^:]*:\/var\/lib\/tessera-backoffice:\/usr\/sbin\/nologin$/m, 'service user');
  for (const f of [...INSTALLED_TERMINAL, ...INSTALLED_BACKOFFICE]) t.ok(existsSync(join(root, f)), `${f} installed`);
  const wants = join(root, 'etc/systemd/system/multi-user.target.wants');
  t.same(readdirSync(wants), ['tessera.service'], 'only the terminal is enabled; the back-office units wait for their admin');

  const r = dpkg(root, '-P', 'tessera-backoffice');
  t.equal(r.status, 0, r.stderr);
  for (const f of INSTALLED_BACKOFFICE) t.notOk(existsSync(join(root, f)), `${f} removed`);
  for (const f of INSTALLED_TERMINAL) t.ok(existsSync(join(root, f)), `${f} still there`);
  t.match(r.stdout, /kept .*\/var\/lib\/tessera-backoffice/, 'purge says what it kept');
});
