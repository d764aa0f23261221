// End-to-end provisioning on a temp root: init → request → back office issues → install → broker → devices → check, then every step again changes nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { TrustStore, fromQrText, decodeObject, fromHex, loadKeyFile, verifyEnrolmentRequest, verifyTerminalCert, verifyTrustList } from '#protocol';
import { CONFIG_VERSION, parseConfig } from '#terminal';
import { MACHINE_ID, getWorld, harness, issueBundle, makeRoot, snapshot, writeBundle } from './harness.js';

const INIT = ['init', '--terminal-id', 'T-0042', '--merchant-id', 'M-CAFE', '--display-name', 'Café Tessera', '--mode', 'merchant'];

t.test('a fresh root becomes a working terminal, and repeating every step changes nothing', async (t) => {
  const world = await getWorld();
  const root = makeRoot();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const h = harness(root, world.now);

  const init = await h.run(...INIT, '--json');
  t.equal(init.code, 0, init.err);
  t.same(init.json?.changed, ['/var/lib/tessera/terminal.key', '/etc/tessera/terminal.json', '/var/lib/tessera/terminal.db'], 'key, config and the empty journal');
  const keyFile = path.join(root, 'var/lib/tessera/terminal.key');
  t.equal(fs.statSync(keyFile).mode & 0o777, 0o600, 'key is private');
  const key = loadKeyFile(keyFile);
  const config = JSON.parse(fs.readFileSync(path.join(root, 'etc/tessera/terminal.json'), 'utf8'));
  t.same(config, {
    version: CONFIG_VERSION,
    terminal: { id: 'T-0042', mode: 'merchant', merchantId: 'M-CAFE', displayName: 'Café Tessera' },
    identity: { keyFile: '/var/lib/tessera/terminal.key', certFile: '/var/lib/tessera/terminal.cert', trustListFile: '/var/lib/tessera/trust.list', rootKeyFile: '/var/lib/tessera/root.pub' },
    database: { path: '/var/lib/tessera/terminal.db' },
    devices: {},
  }, "the daemon's layout: terminal section, identity files and journal in the state dir");
  t.doesNotThrow(() => parseConfig(config), "the daemon's schema accepts it");

  const req = await h.run('request', '--json');
  t.equal(req.code, 0, req.err);
  const te1 = req.json?.request as string;
  t.match(te1, /^TE1:/);
  const v = verifyEnrolmentRequest(te1, { trust: world.trust });
  t.ok(v.ok, 'the request is self-signed by the terminal key');
  if (v.ok) {
    t.same(Buffer.from(v.value.value.publicKey), Buffer.from(key.publicKey), 'carries the terminal public key');
    t.equal(v.value.value.terminalId, 'T-0042');
    t.equal(v.value.value.hardwareId, `machine-id:${MACHINE_ID}`);
    t.equal(v.value.value.time, world.now);
  }
  const text = await h.run('request');
  t.match(text.out, te1.slice(0, 40), 'text output carries the request');
  t.match(text.out, /▄|█/, 'and a QR code drawn in the terminal');

  const bundle = writeBundle(root, 'bundle.json', await issueBundle(world, te1, { fleet: true }));
  const inst = await h.run('install', bundle, '--json');
  t.equal(inst.code, 0, inst.err);
  const sd = path.join(root, 'var/lib/tessera');
  t.equal(fs.readFileSync(path.join(sd, 'root.pub'), 'utf8').trim(), Buffer.from(world.root.publicKey).toString('hex'));
  const tl = fromQrText('TRUST_LIST', fs.readFileSync(path.join(sd, 'trust.list'), 'utf8').trim());
  t.ok(tl.ok && verifyTrustList(tl.value, { rootPublicKey: world.root.publicKey }).ok, 'installed trust list verifies against the installed root');
  const cert = verifyTerminalCert(fs.readFileSync(path.join(sd, 'terminal.cert'), 'utf8').trim(), { trust: new TrustStore(world.trustList), now: world.now });
  t.ok(cert.ok, 'installed certificate verifies');
  t.ok(fs.existsSync(path.join(sd, 'fleet-config.msg')) && fs.existsSync(path.join(sd, 'denylist.msg')), 'fleet messages installed');
  t.match(JSON.parse(fs.readFileSync(path.join(root, 'etc/tessera/terminal.json'), 'utf8')).identity, { fleetConfigFile: '/var/lib/tessera/fleet-config.msg', denylistFile: '/var/lib/tessera/denylist.msg' });

  const pw = path.join(root, 'pw.txt');
  fs.writeFileSync(pw, 's3cret\n');
  const broker = await h.run('broker', '--url', 'mqtt://127.0.0.1:1883', '--username', 'T-0042', '--password-file', pw);
  t.equal(broker.code, 0, broker.err);
  t.match(broker.out, /not encrypted/, 'plain MQTT is accepted with a warning');

  const dev = await h.run('devices', '--json');
  t.equal(dev.code, 0, dev.err);
  t.same(dev.json?.devices, {
    scanner: { type: 'serial', path: '/dev/serial/by-id/usb-Honeywell_Scanner_123-if00' },
    printer: { type: 'serial', path: '/dev/serial/by-id/usb-EPSON_TM-T20III_456-if00-port0' },
    display: { type: 'framebuffer', device: '/dev/fb1' },
  }, "entries in the drivers' own config shape");
  const drivers = await import('#drivers');
  const written = JSON.parse(fs.readFileSync(path.join(root, 'etc/tessera/terminal.json'), 'utf8'));
  t.ok(drivers.ScannerConfigSchema.safeParse(written.devices.scanner).success && drivers.PrinterConfigSchema.safeParse(written.devices.printer).success && drivers.DisplayConfigSchema.safeParse(written.devices.display).success, "the drivers' schemas accept them");
  t.same(written.sync, { brokerUrl: 'mqtt://127.0.0.1:1883', username: 'T-0042', passwordFile: 'broker-password' }, 'the password is not in terminal.json');
  const cred = path.join(root, 'etc/tessera/credentials/broker-password');
  t.equal(fs.readFileSync(cred, 'utf8'), 's3cret\n', 'it is in the credential file the unit loads');
  t.equal(fs.statSync(cred).mode & 0o777, 0o600, 'readable by root only');
  t.equal(fs.statSync(path.dirname(cred)).mode & 0o777, 0o700);
  t.notMatch(fs.readFileSync(path.join(root, 'etc/tessera/terminal.json'), 'utf8'), /s3cret/);

  const check = await h.run('check', '--json');
  t.equal(check.code, 0, check.out);
  const items = check.json?.checks as { id: string; status: string }[];
  t.same(
    items.map((i) => `${i.id}:${i.status}`),
    ['config', 'key', 'trust-list', 'clock', 'certificate', 'scanner', 'printer', 'printer-status', 'display', 'display-draw', 'broker', 'disk', 'service-enabled', 'service-running'].map((id) => `${id}:ok`),
  );
  const human = await h.run('check');
  t.match(human.out, /^✓ certificate: T-0042 valid for \d+ days$/m);
  t.match(human.out, /all checks passed/);

  // Everything again, same inputs: byte-identical files, same mtimes, nothing reported changed.
  const before = snapshot(root);
  for (const args of [INIT, ['init'], ['install', bundle], ['broker', '--url', 'mqtt://127.0.0.1:1883', '--username', 'T-0042', '--password-file', pw], ['broker'], ['devices'], ['check']]) {
    const r = await h.run(...args, '--json');
    t.equal(r.code, 0, `${args[0]} again: ${r.err}`);
    t.same(r.json?.changed, [], `${args.join(' ')} again changes nothing`);
  }
  t.same(snapshot(root), before, 'no file changed on the repeated run');
  t.notOk(fs.readdirSync(path.join(root, 'etc/tessera')).some((f) => f.includes('.tmp-')), 'no temp files left');
});

t.test("install keeps the technician's other settings and the previous config as .prev; unknown keys are refused", async (t) => {
  const world = await getWorld();
  const root = makeRoot();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const h = harness(root, world.now);
  const cfgFile = path.join(root, 'etc/tessera/terminal.json');
  fs.mkdirSync(path.dirname(cfgFile), { recursive: true });
  fs.writeFileSync(cfgFile, JSON.stringify({ logLevel: 'debug' }));
  const unknown = await h.run(...INIT);
  t.equal(unknown.code, 1);
  t.match(unknown.err, /^tessera provision init: config: \(root\): Unrecognized key: "logLevel"\n$/, "the daemon's strict schema refuses an unknown key, naming it");
  t.equal(fs.readFileSync(cfgFile, 'utf8'), JSON.stringify({ logLevel: 'debug' }), 'and nothing changed');
  fs.writeFileSync(cfgFile, JSON.stringify({ log: { level: 'debug' }, merchant: { requestTimeoutSeconds: 90 }, devices: { printer: { type: 'serial', path: '/dev/ttyUSB0', baudRate: 19200 } } }));
  t.equal((await h.run(...INIT)).code, 0);
  const afterInit = fs.readFileSync(cfgFile, 'utf8');
  t.match(JSON.parse(afterInit), { log: { level: 'debug' }, merchant: { requestTimeoutSeconds: 90 }, terminal: { id: 'T-0042' } }, 'other settings survive init');
  t.ok(fs.existsSync(`${cfgFile}.prev`), 'previous version kept');
  const te1 = (await h.run('request', '--json')).json?.request as string;
  t.equal((await h.run('install', writeBundle(root, 'b.json', await issueBundle(world, te1)))).code, 0);
  t.equal(fs.readFileSync(cfgFile, 'utf8'), afterInit, 'install had nothing to change in this config');
  const dev = await h.run('devices', '--printer', '/dev/ttyUSB0');
  t.equal(dev.code, 0, dev.err);
  t.equal(fs.readFileSync(`${cfgFile}.prev`, 'utf8'), afterInit, '.prev is the version before the last change');
  t.same(JSON.parse(fs.readFileSync(cfgFile, 'utf8')).devices.printer, { type: 'serial', path: '/dev/serial/by-id/usb-EPSON_TM-T20III_456-if00-port0', baudRate: 19200 }, 'flag path becomes the by-id path; extra keys kept');
  t.match(JSON.parse(fs.readFileSync(cfgFile, 'utf8')), { log: { level: 'debug' }, merchant: { requestTimeoutSeconds: 90 } });
  t.equal((await h.run('devices', '--printer', 'tcp:10.0.0.5:9100')).code, 0);
  t.same(JSON.parse(fs.readFileSync(cfgFile, 'utf8')).devices.printer, { type: 'tcp', host: '10.0.0.5', port: 9100 }, 'another type starts from a clean entry');
  t.equal((await h.run('devices', '--printer', 'none')).code, 0);
  t.equal(JSON.parse(fs.readFileSync(cfgFile, 'utf8')).devices.printer, null, 'none is written as null');
});

t.test('the key is handed to the service user when it exists', async (t) => {
  const world = await getWorld();
  const root = makeRoot();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\ntessera:x:990:985::/var/lib/tessera:/usr/sbin/nologin\n');
  const chowned: string[] = [];
  const h = harness(root, world.now, { chown: (p, uid, gid) => void chowned.push(`${path.relative(root, p)} ${uid}:${gid}`) });
  t.equal((await h.run(...INIT)).code, 0);
  t.ok(chowned.includes('var/lib/tessera/terminal.key 990:985'), 'key owned by tessera');
  t.ok(chowned.includes('var/lib/tessera 990:985'), 'state dir owned by tessera');
  t.ok(chowned.some((c) => /^etc\/tessera\/\.terminal\.json\.tmp-.* 0:985$/.test(c)), 'config root:tessera before the rename');
});

t.test('the Pi serial is preferred over machine-id as hardware identity', async (t) => {
  const world = await getWorld();
  const root = makeRoot();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'proc'));
  fs.writeFileSync(path.join(root, 'proc/cpuinfo'), 'processor\t: 0\nHardware\t: BCM2835\nRevision\t: c03111\nSerial\t\t: 10000000ABCDEF12\nModel\t\t: Raspberry Pi 4 Model B Rev 1.1\n');
  const h = harness(root, world.now);
  await h.run(...INIT);
  const r = await h.run('request', '--json');
  t.equal(r.json?.hardwareId, 'pi:10000000abcdef12');
  const b = fromQrText('ENROLMENT_REQUEST', r.json?.request as string);
  t.ok(b.ok && decodeObject('ENROLMENT_REQUEST', b.value).ok);
  t.ok(fromHex(r.json?.publicKey as string).length === 33);
});

t.test('on a TTY, init asks for what is missing, and never when flags are given', async (t) => {
  const world = await getWorld();
  const root = makeRoot();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const asked: string[] = [];
  const answers: Record<string, string> = { 'Terminal id': 'T-0077', 'Mode (merchant or transit)': 'transit', 'Operator id': 'OP-METRO', 'Display name': '' };
  const io = { out: () => undefined, err: () => undefined, interactive: true, ask: async (q: string) => (asked.push(q), answers[q] ?? '') };
  const h = harness(root, world.now, { io });
  const r = await h.run('init');
  t.equal(r.code, 0);
  t.same(asked, ['Terminal id', 'Mode (merchant or transit)', 'Operator id', 'Display name']);
  t.match(JSON.parse(fs.readFileSync(path.join(root, 'etc/tessera/terminal.json'), 'utf8')).terminal, { id: 'T-0077', mode: 'transit', merchantId: 'OP-METRO', displayName: 'OP-METRO' });
  asked.length = 0;
  await h.run('init', '--display-name', 'Metro Line 4');
  t.same(asked, [], 'no prompt when a flag is given');
  t.match(JSON.parse(fs.readFileSync(path.join(root, 'etc/tessera/terminal.json'), 'utf8')).terminal, { id: 'T-0077', displayName: 'Metro Line 4' });
});
