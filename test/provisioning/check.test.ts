// `provision check` reports each problem as ✗ with its fix, warns on near expiry, and exits non-zero on any ✗.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { DAY } from '#protocol';
import { getWorld, harness, installed, issueBundle, makeRoot, okProbes, type Harness } from './harness.js';

async function ready(t: Test): Promise<Harness> {
  const world = await getWorld();
  const root = makeRoot();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const h = harness(root, world.now);
  await installed(h, world);
  const pw = path.join(root, 'pw');
  fs.writeFileSync(pw, 'pw');
  await h.run('broker', '--url', 'mqtt://127.0.0.1:1883', '--username', 'T-0042', '--password-file', pw);
  await h.run('devices');
  return h;
}

type Item = { id: string; status: string; detail: string; fix?: string };
async function check(h: Harness): Promise<{ code: number; items: Map<string, Item>; out: string }> {
  const r = await h.run('check', '--json');
  const items = new Map((r.json?.checks as Item[]).map((i) => [i.id, i]));
  return { code: r.code, items, out: r.out };
}

t.test('failing probes give ✗ with a fix and exit 1', async (t) => {
  const h = await ready(t);
  h.deps.probes = okProbes({
    printerStatus: async () => ({ ok: false, detail: 'paper out' }),
    broker: async () => ({ ok: false, detail: 'connect ECONNREFUSED 127.0.0.1:1883' }),
    openDevice: async (role) => (role === 'scanner' ? { ok: false, detail: 'cannot open: EACCES' } : { ok: true, detail: 'opens' }),
    diskFree: async () => ({ freeBytes: 20 * 1024 * 1024, totalBytes: 1e9 }),
  });
  h.deps.run = async (_cmd, args) => ({ code: 3, stdout: args[0] === 'is-enabled' ? 'disabled\n' : 'inactive\n', stderr: '' });
  const r = await check(h);
  t.equal(r.code, 1);
  t.match(r.items.get('printer-status'), { status: 'fail', detail: 'paper out', fix: /load paper/ });
  t.match(r.items.get('broker'), { status: 'fail', detail: /ECONNREFUSED/, fix: /check the URL/ });
  t.match(r.items.get('scanner'), { status: 'fail', detail: /EACCES/, fix: /permissions/ });
  t.match(r.items.get('disk'), { status: 'fail', detail: /^20 MiB free/ });
  t.match(r.items.get('service-enabled'), { status: 'fail', detail: 'tessera.service disabled', fix: 'systemctl enable tessera.service' });
  t.match(r.items.get('service-running'), { status: 'fail', detail: 'tessera.service inactive' });
  t.equal(r.items.get('certificate')?.status, 'ok');
  const text = await h.run('check');
  t.match(text.out, /^✗ printer-status: paper out\n {4}fix: load paper/m);
  t.match(text.out, /6 checks failed/);
});

t.test('a throwing probe is reported, not fatal', async (t) => {
  const h = await ready(t);
  h.deps.probes = okProbes({ displayDraw: async () => { throw new Error('ioctl FBIOGET_VSCREENINFO failed'); } });
  const r = await check(h);
  t.match(r.items.get('display-draw'), { status: 'fail', detail: 'ioctl FBIOGET_VSCREENINFO failed' });
});

t.test('clock, certificate expiry, key permissions and trust age', async (t) => {
  const world = await getWorld();
  const h = await ready(t);

  h.clock.setWall((world.trustList.issuedAt - 3600) * 1000);
  let r = await check(h);
  t.match(r.items.get('clock'), { status: 'fail', detail: /before/, fix: /timedatectl/ });

  h.clock.setWall((world.now + 340 * DAY) * 1000); // certificate valid until now + 365 days
  r = await check(h);
  t.match(r.items.get('certificate'), { status: 'warn', detail: /expires in 2\d days/ });
  t.match(r.items.get('trust-list'), { status: 'fail', detail: /older than 30 days/ });

  h.clock.setWall((world.now + 6 * DAY) * 1000);
  r = await check(h);
  t.match(r.items.get('trust-list'), { status: 'ok' });
  t.equal(r.code, 0, 'warnings alone pass');

  h.clock.setWall((world.now + 10 * DAY) * 1000);
  r = await check(h);
  t.match(r.items.get('trust-list'), { status: 'warn', detail: /older than 7 days/ });
  t.equal(r.code, 0, 'a warning does not fail');

  fs.chmodSync(path.join(h.root, 'var/lib/tessera/terminal.key'), 0o644);
  r = await check(h);
  t.match(r.items.get('key'), { status: 'fail', detail: /mode 644/, fix: 'chmod 600 /var/lib/tessera/terminal.key' });
  t.equal(r.code, 1);
  fs.chmodSync(path.join(h.root, 'var/lib/tessera/terminal.key'), 0o600);

  // A certificate for another key sneaked in past install.
  const other = await issueBundle(world, (await h.run('request', '--json')).json?.request as string, { publicKey: (await world.terminalCert({ terminalId: 'X' })).cert.publicKey });
  fs.writeFileSync(path.join(h.root, 'var/lib/tessera/terminal.cert'), `${other.terminalCert}\n`);
  h.clock.setWall(world.now * 1000);
  r = await check(h);
  t.match(r.items.get('certificate'), { status: 'fail', detail: /for another key/ });
});

t.test('nothing provisioned: every check says what to run', async (t) => {
  const world = await getWorld();
  const root = makeRoot();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const h = harness(root, world.now);
  const r = await check(h);
  t.equal(r.code, 1);
  t.match(r.items.get('config'), { status: 'fail', fix: 'run: tessera provision init' });
  t.match(r.items.get('key'), { status: 'fail', fix: 'run: tessera provision init' });
  t.match(r.items.get('certificate'), { status: 'fail', fix: /tessera provision install BUNDLE/ });
  t.match(r.items.get('broker'), { status: 'fail', fix: /tessera provision broker/ });
  t.match(r.items.get('scanner'), { status: 'fail', fix: /tessera provision devices/ });
});
