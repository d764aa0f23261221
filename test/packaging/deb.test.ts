// make deb builds a package that lists the right files and installs into a scratch root.
import t from 'tap';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSTALLED, REPO, make, run, scratch } from './helpers.js';

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
 * Dependencies (nodejs, systemd, udev) are not in the scratch database, hence --force-depends;
 * --force-unsafe-io skips the per-file fsync a real install wants and a throwaway root does not.
 */
function dpkg(root: string, ...args: string[]): ReturnType<typeof run> {
  return run('dpkg', [`--root=${root}`, '--log=/dev/null', '--force-script-chrootless', '--force-depends', '--force-unsafe-io', ...args]);
}

// Built once for both tests, uncompressed (seconds, not a minute of xz on a Pi-class CPU).
const out = scratch(t, 'deb');
const made = make('deb', { DEB_OUT: out, DEB_COMPRESS: 'none' });
const deb = join(out, `tessera_${version}_${arch}.deb`);

t.test('make deb: control fields, maintainer scripts and file list', async (t) => {
  t.equal(made.status, 0, made.stderr);
  t.same(readdirSync(out), [`tessera_${version}_${arch}.deb`], 'one package named for this architecture, staging cleaned up');
  const field = (name: string): string => run('dpkg-deb', ['-f', deb, name]).stdout.trim();
  t.equal(field('Package'), 'tessera');
  t.equal(field('Architecture'), arch);
  t.match(field('Depends'), /nodejs \(>= \d+\.\d+\), nodejs \(<< \d+\), systemd, udev/);
  const info = run('dpkg-deb', ['-I', deb]).stdout;
  for (const s of ['postinst', 'prerm', 'postrm', 'md5sums']) t.match(info, new RegExp(`\\b${s}\\b`), `${s} in control archive`);

  const listing = run('dpkg-deb', ['-c', deb]).stdout.split('\n');
  const paths = listing.map((l) => l.split(/\s+/).at(-1) ?? '').map((p) => p.replace(/^\.\//, ''));
  for (const f of INSTALLED) t.ok(paths.includes(f), `${f} in package`);
  t.ok(listing.filter((l) => l.length > 0).every((l) => l.includes(' root/root ')), 'every file owned by root');
  t.same(paths.filter((p) => /\.test\.js$|^var\/lib\/tessera|^etc\//.test(p)), [], 'no tests, no data, no /etc files (nothing dpkg would delete on purge)');
  t.same(paths.filter((p) => /node_modules\/(tap|typescript|eslint)\//.test(p)), [], 'no dev dependencies');

  const x = scratch(t, 'extract');
  t.equal(run('dpkg-deb', ['-x', deb, x]).status, 0);
  t.equal(readFileSync(join(x, 'usr/lib/systemd/system/tessera.service'), 'utf8'), readFileSync(join(REPO, 'systemd/tessera.service'), 'utf8'));
  t.equal(statSync(join(x, 'usr/bin/tessera')).mode & 0o777, 0o755);
  t.equal(run('dpkg-deb', ['-e', deb, join(x, 'DEBIAN')]).status, 0);
  const sums = run('md5sum', ['--quiet', '-c', 'DEBIAN/md5sums'], { cwd: x });
  t.equal(sums.status, 0, `md5sums match the extracted files ${sums.stdout}`);
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

  // Configuring again (what an upgrade or `dpkg-reconfigure` runs) changes nothing.
  writeFileSync(join(root, 'var/lib/tessera/terminal.db'), 'payments');
  const again = run('sh', [join(root, 'var/lib/dpkg/info/tessera.postinst'), 'configure', version], { env: { ...process.env, DPKG_ROOT: root } });
  t.equal(again.status, 0, again.stderr);
  t.equal(readFileSync(join(root, 'etc/passwd'), 'utf8'), passwd, 'no second user');
  t.ok(lstatSync(wants).isSymbolicLink());

  const r = dpkg(root, '-r', 'tessera');
  t.equal(r.status, 0, r.stderr);
  for (const f of INSTALLED) t.notOk(existsSync(join(root, f)), `${f} removed`);
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
