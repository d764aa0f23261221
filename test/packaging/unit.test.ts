// tessera.service passes systemd-analyze verify and rates OK or better; udev rules parse.
import t from 'tap';
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, run, scratch, unitRoot } from './helpers.js';
import { unitEnvironment } from '../../bench/memory.js';

const UNIT = join(REPO, 'systemd', 'tessera.service');

/** A root with the host's units, stand-ins for /usr/bin/tessera and /bin/kill, and the given unit. */
const verifyRoot = (t: Parameters<typeof unitRoot>[0], unitText: string): string => unitRoot(t, 'tessera.service', unitText, ['usr/bin/tessera', 'bin/kill']);

/** Key → values of one section of a unit file (keys may repeat). */
function section(text: string, name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1] ?? '';
      continue;
    }
    if (current !== name) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

t.test('systemd-analyze verify is clean in a root where /usr/bin/tessera exists', async (t) => {
  const root = verifyRoot(t, readFileSync(UNIT, 'utf8'));
  const r = run('systemd-analyze', ['verify', `--root=${root}`, 'tessera.service']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr.trim(), '', 'no warnings at all');
});

t.test('verify is not vacuous: it reports a bad key and a missing binary', async (t) => {
  const bad = verifyRoot(t, readFileSync(UNIT, 'utf8').replace('[Service]', '[Service]\nRestartSteps=5'));
  const r = run('systemd-analyze', ['verify', `--root=${bad}`, 'tessera.service']);
  t.match(r.stderr, /Unknown key 'RestartSteps' in section \[Service\]/, 'systemd 252 has no RestartSteps; the unit must not use it');
  // A root without the binary (whether or not this machine has tessera installed).
  const missing = verifyRoot(t, readFileSync(UNIT, 'utf8'));
  rmSync(join(missing, 'usr/bin/tessera'));
  const noBinary = run('systemd-analyze', ['verify', `--root=${missing}`, 'tessera.service']);
  t.not(noBinary.status, 0, 'verify fails without the binary');
  t.match(noBinary.stderr, /\/usr\/bin\/tessera is not executable/);
});

t.test('systemd-analyze security rates the unit OK or better (exposure <= 4.9)', async (t) => {
  const r = run('systemd-analyze', ['security', '--offline=true', UNIT]);
  t.equal(r.status, 0, r.stderr);
  const m = /Overall exposure level for tessera\.service: (\d+\.\d) (\w+)/.exec(r.stdout);
  t.ok(m, 'overall exposure line present');
  const exposure = Number(m?.[1]);
  t.ok(exposure <= 4.9, `exposure ${exposure}`);
  t.ok(['OK', 'SAFE', 'PERFECT'].includes(m?.[2] ?? ''), `level ${m?.[2]}`);
  t.comment(`systemd-analyze security: ${m?.[1]} ${m?.[2]}`);
  // The same bound through systemd-analyze's own gate (threshold in tenths).
  t.equal(run('systemd-analyze', ['security', '--offline=true', '--threshold=49', UNIT]).status, 0);
  for (const setting of ['ProtectSystem=', 'ProtectHome=', 'PrivateTmp=', 'NoNewPrivileges=', 'CapabilityBoundingSet=~CAP_SYS_ADMIN', 'SystemCallFilter=~@privileged', 'RestrictNamespaces=~user', 'User=/DynamicUser=']) {
    t.match(r.stdout, new RegExp(`✓ ${setting.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), `${setting} passes`);
  }
});

t.test('unit: notify + watchdog, always restarts, least privilege for the devices it needs', async (t) => {
  const text = readFileSync(UNIT, 'utf8');
  const s = section(text, 'Service');
  const one = (k: string): string | undefined => s.get(k)?.at(-1);
  t.equal(one('Type'), 'notify');
  t.equal(one('NotifyAccess'), 'all', 'systemd-notify runs as a child of the main PID');
  t.equal(one('ExecStart'), '/usr/bin/tessera daemon');
  t.ok(Number.parseInt(one('WatchdogSec') ?? '', 10) > 0);
  t.equal(one('Restart'), 'always');
  t.ok(Number.parseInt(one('RestartSec') ?? '', 10) > 0, 'back-off between restarts');
  t.equal(section(text, 'Unit').get('StartLimitIntervalSec')?.[0], '0', 'never stops restarting');
  t.equal(one('User'), 'tessera');
  t.same(one('SupplementaryGroups')?.split(/\s+/).sort(), ['dialout', 'lp', 'plugdev', 'video']);
  t.equal(one('StateDirectory'), 'tessera');
  t.equal(one('RuntimeDirectory'), 'tessera');
  t.equal(one('ConfigurationDirectory'), 'tessera');
  t.equal(one('DevicePolicy'), 'closed');
  t.same(s.get('DeviceAllow')?.map((d) => d.split(' ')[0]).sort(), ['char-fb', 'char-hidraw', 'char-ttyACM', 'char-ttyAMA', 'char-ttyS', 'char-ttyUSB', 'char-usb']);
  t.equal(one('CapabilityBoundingSet'), '');
  t.equal(one('StandardOutput'), 'journal', 'journal only');
  t.equal(one('StandardError'), 'journal');
  t.notOk(s.has('LogsDirectory'), 'no log files on the SD card');
  t.equal(one('MemoryDenyWriteExecute'), 'no', "V8's JIT needs it off (docs/decisions.md)");
});

t.test('udev rules parse without errors in udevadm test', async (t) => {
  const rules = scratch(t, 'udev');
  cpSync(join(REPO, 'systemd', '70-tessera.rules'), join(rules, '70-tessera.rules'));
  writeFileSync(join(rules, '71-broken.rules'), 'SUBSYSTEM=="tty", BOGUS{x}=="1", GROUP="dialout"\n');
  // A private mount namespace puts only these two files where udev reads rules; the host's
  // rules are untouched and nothing else runs.
  const script = `mount --bind ${rules} /etc/udev/rules.d && mount --bind ${rules} /usr/lib/udev/rules.d && udevadm test --action=add /sys/class/tty/tty`;
  const r = run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { timeoutMs: 60_000 });
  const log = r.stdout + r.stderr;
  t.match(log, /Reading rules file: \/etc\/udev\/rules\.d\/70-tessera\.rules/);
  t.match(log, /71-broken\.rules:1 Invalid key 'BOGUS'/, 'a broken rule is reported (the check is live)');
  const ours = log.split('\n').filter((l) => /70-tessera\.rules:\d+/.test(l));
  t.same(ours, [], 'no complaint about 70-tessera.rules');
});

t.test('udev rules: every device rule grants one of the service groups, VID:PIDs well formed', async (t) => {
  const lines = readFileSync(join(REPO, 'systemd', '70-tessera.rules'), 'utf8').split('\n').filter((l) => l.includes('SUBSYSTEM=='));
  t.ok(lines.length >= 10);
  for (const l of lines) {
    t.match(l, /GROUP="(dialout|plugdev|lp|video)", MODE="0660"/, l);
    for (const id of l.matchAll(/ATTRS\{id(?:Vendor|Product)\}=="([^"]*)"/g)) t.match(id[1], /^[0-9a-f]{4}$/, `lower-case hex id in ${l}`);
  }
  const names = lines.flatMap((l) => [...l.matchAll(/SYMLINK\+="([^"]+)"/g)].map((m) => m[1]));
  t.same([...new Set(names)].sort(), ['tessera-printer', 'tessera-scanner', 'tessera-scanner-hid']);
});

t.test("the daemon's environment, read from the unit as systemd splits it (the memory bench runs the daemon with it)", async (t) => {
  const env = unitEnvironment(readFileSync(UNIT, 'utf8'));
  t.equal(env.NODE_OPTIONS, '--max-semi-space-size=2 --max-old-space-size=128', 'one quoted assignment keeps its spaces');
  t.match(env, { NODE_ENV: 'production', TESSERA_CONFIG: '/etc/tessera/terminal.json', MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '131072' });
  t.same(unitEnvironment(`[Service]\nEnvironment=A=1 'B=two words' "C=x=y"\nEnvironment=D=\n`), { A: '1', B: 'two words', C: 'x=y', D: '' });
});

t.test("under the unit's heap cap a daemon applies the largest deny list the protocol allows", { timeout: 120_000 }, async (t) => {
  // The cap (docs/decisions.md D10) must leave room for the daemon's largest transient: a full deny
  // list. This child also holds the issuer's test world and the list it signs, so it is the harder case.
  const env = unitEnvironment(readFileSync(UNIT, 'utf8'));
  const child = join(REPO, 'dist/test/support/max-denylist.js');
  const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    execFile(process.execPath, [child], { env: { ...process.env, NODE_OPTIONS: env.NODE_OPTIONS ?? '' }, timeout: 110_000 }, (e, out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
  t.equal(r.code, 0, r.err.slice(-2000));
  const result = JSON.parse(r.out.trim().split('\n').at(-1) ?? '{}') as { applied: boolean; denied: boolean; bytes: number; heapMb: number };
  t.match(result, { applied: true, denied: true });
  t.ok(result.bytes > 1_500_000, `a ${result.bytes}-byte fleet message`);
  t.comment(`heap in use after applying it: ${result.heapMb} MB (cap: ${env.NODE_OPTIONS})`);
});
