// Every bad input is refused with a clear one-line message, a non-zero exit, and no file changed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { NodeBackend } from '#protocol';
import { createTestWorld } from '#protocol/testkit';
import { DEVICES, type Harness, INIT, getWorld, harness, initialised, installed, issueBundle, makeRoot, otherKey, snapshot, trustListVersion, writeBundle } from './harness.js';

async function refused(t: Test, h: Harness, args: string[], message: RegExp): Promise<void> {
  const before = snapshot(h.root);
  const r = await h.run(...args);
  t.not(r.code, 0, `${args[0]} exits non-zero`);
  t.match(r.err, message, `${args.join(' ')}: says why`);
  t.equal(r.err.trim().split('\n').length, 1, 'in one line');
  t.same(snapshot(h.root), before, 'and changes nothing');
}

function fresh(t: Test, now: number): Harness {
  const root = makeRoot();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  return harness(root, now);
}

const KEY = 'var/lib/tessera/terminal.key';

t.test('install refuses bad bundles', async (t) => {
  const world = await getWorld();
  const h = fresh(t, world.now);
  const te1 = await initialised(h);
  const bundle = (o: Parameters<typeof issueBundle>[2] = {}) => issueBundle(world, te1, o);
  const file = (name: string, b: unknown) => writeBundle(h.root, name, b);

  await refused(t, h, ['install', path.join(h.root, 'missing.json')], /cannot read bundle .*missing\.json/);
  await refused(t, h, ['install', file('torn.json', '{"format":"tessera-bun')], /bundle refused: not JSON/);
  await refused(t, h, ['install', file('fmt.json', { ...(await bundle()), format: 'tessera-bundle/2' })], /format is "tessera-bundle\/2", expected "tessera-bundle\/1"/);
  await refused(t, h, ['install', file('nocert.json', { ...(await bundle()), terminalCert: undefined })], /field terminalCert is missing/);
  await refused(t, h, ['install', file('other-t.json', { ...(await bundle()), terminalId: 'T-9999' })], /it is for terminal T-9999, this terminal is T-0042/);
  await refused(t, h, ['install', file('other-cert-t.json', await bundle({ terminalId: 'T-9999' }))], /certificate is for terminal T-9999, this terminal is T-0042/);
  await refused(t, h, ['install', file('other-key.json', await bundle({ publicKey: otherKey('someone-else').publicKey }))], /certificate is for another key/);
  await refused(t, h, ['install', file('expired.json', await bundle({ notAfter: world.now - 60 }))], /does not verify against the trust list: CERT_EXPIRED/);
  await refused(t, h, ['install', file('transit.json', await bundle({ mode: 'transit' }))], /certificate is for a transit terminal, the config says merchant/);

  const other = await createTestWorld({ seed: 'other-fleet', backend: new NodeBackend() });
  // The other root's trust list claimed under this root key: the signature does not check out.
  await refused(t, h, ['install', file('forged-tl.json', await bundle({ trustBytes: other.trustBytes }))], /trust list does not verify against the bundle's root key: UNKNOWN_KEY/);
  // A certificate from an issuer this trust list does not know.
  const foreign = await other.terminalCert({ terminalId: 'T-0042', publicKey: (await world.terminalCert()).cert.publicKey });
  await refused(t, h, ['install', file('foreign-issuer.json', { ...(await bundle()), terminalCert: `TC1:${(await import('#protocol')).base45Encode(foreign.bytes)}` })], /does not verify against the trust list: UNKNOWN_KEY/);

  fs.chmodSync(path.join(h.root, KEY), 0o644);
  await refused(t, h, ['install', file('good.json', await bundle())], /mode 644; it must be 0600 \(run: chmod 600/);
  fs.chmodSync(path.join(h.root, KEY), 0o600);

  t.equal((await h.run('install', file('good.json', await bundle()))).code, 0, 'the good bundle then installs');
  const otherReq = await issueBundle(other, te1); // a complete, valid bundle from another root
  await refused(t, h, ['install', file('other-root.json', otherReq)], /it is from another root .* this terminal trusts root/);
  const v2 = await trustListVersion(world, 2);
  t.equal((await h.run('install', file('v2.json', await bundle({ trustBytes: v2 })))).code, 0, 'a newer trust list installs');
  await refused(t, h, ['install', file('v1.json', await bundle())], /trust list version 1 is not newer than the installed version 2/);
});

t.test('init refuses bad keys, torn configs and bad values', async (t) => {
  const world = await getWorld();
  const h = fresh(t, world.now);
  await refused(t, h, ['init'], /missing --terminal-id \(stdin is not a terminal/);
  await refused(t, h, ['init', '--terminal-id', 'bad id!', '--merchant-id', 'M'], /config: terminal\.id: 1-32 of A-Z a-z 0-9 \. _ -/);
  await refused(t, h, ['request'], /no config at \/etc\/tessera\/terminal\.json: run `tessera provision init` first/);

  await installed(h, world);
  await refused(t, h, ['init', '--terminal-id', 'T-0043', '--merchant-id', 'M-CAFE'], /installed certificate is for terminal T-0042, not T-0043/);
  await refused(t, h, ['init', '--mode', 'transit'], /installed certificate is for merchant terminal of M-CAFE, not transit of M-CAFE/);

  fs.chmodSync(path.join(h.root, KEY), 0o644);
  await refused(t, h, INIT, /key file .*terminal\.key has mode 644; it must be 0600/);
  await refused(t, h, ['request'], /has mode 644; it must be 0600/);
  fs.chmodSync(path.join(h.root, KEY), 0o600);

  const keyText = fs.readFileSync(path.join(h.root, KEY));
  fs.writeFileSync(path.join(h.root, KEY), 'not a key\n');
  await refused(t, h, INIT, /terminal\.key is not a P-256 private key/);
  fs.writeFileSync(path.join(h.root, KEY), keyText);

  const cfg = path.join(h.root, 'etc/tessera/terminal.json');
  const good = fs.readFileSync(cfg);
  fs.writeFileSync(cfg, good.subarray(0, 40));
  await refused(t, h, INIT, /config \/etc\/tessera\/terminal\.json is not valid JSON .*restore \/etc\/tessera\/terminal\.json\.prev/);
  await refused(t, h, ['broker', '--url', 'mqtts://b:8883'], /is not valid JSON/);
  fs.writeFileSync(cfg, good);
});

t.test('broker refuses bad URLs and files', async (t) => {
  const world = await getWorld();
  const h = fresh(t, world.now);
  await initialised(h);
  await refused(t, h, ['broker', '--url', 'http://broker.example'], /bad broker URL: scheme http: is not one of mqtt:, mqtts:/);
  await refused(t, h, ['broker', '--url', 'broker.example:8883'], /bad broker URL/);
  await refused(t, h, ['broker', '--url', 'not a url'], /bad broker URL: "not a url" is not a URL/);
  await refused(t, h, ['broker', '--url', 'mqtts://broker.example:8883'], /--ca is needed for mqtts:\/\/broker\.example:8883/);
  await refused(t, h, ['broker', '--url', 'mqtt://broker.example'], /client certificates need mqtts:\/\//);
  await refused(t, h, ['broker', '--url', 'mqtt://broker.example', '--username', 'u'], /--username needs --password or --password-file/);
  const inUrl = ['broker', '--url', 'mqtt://u:hunter2-in-url@broker.example', '--username', 'u', '--password', 'x'];
  await refused(t, h, inUrl, /bad broker URL: the URL carries a password: give --username and --password-file instead/);
  t.notMatch((await h.run(...inUrl)).err, /hunter2-in-url/, 'and the password is not echoed');
  const notCa = path.join(h.root, 'ca.pem');
  fs.writeFileSync(notCa, '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n');
  await refused(t, h, ['broker', '--url', 'mqtts://broker.example', '--ca', notCa], /CA file .*ca\.pem is not a PEM X\.509 certificate/);
  await refused(t, h, ['broker', '--url', 'mqtts://broker.example', '--ca', path.join(h.root, 'nope.pem')], /cannot read CA file/);
});

t.test('devices refuses ambiguity in scripts and wrong flags', async (t) => {
  const world = await getWorld();
  const h = fresh(t, world.now);
  await initialised(h);
  h.deps.listDevices = async () => ({ ...DEVICES, hid: [{ vendorId: '0c2e', productId: '0b61', product: 'Honeywell HID POS', usage: 'pos' }] });
  await refused(t, h, ['devices'], /2 possible scanners \(.*\): choose one with --scanner/);
  await refused(t, h, ['devices', '--display', '/dev/ttyUSB0'], /--display \/dev\/ttyUSB0: expected \/dev\/fbN, vfd:SERIAL-PATH, console, emulator or none/);
  await refused(t, h, ['devices', '--printer', 'hid:0c2e:0b61'], /--printer hid:… is only for scanners/);
  await refused(t, h, ['devices', '--printer', 'tcp:10.0.0.9:99999'], /port out of range/);
  const r = await h.run('devices', '--scanner', 'hid:0C2E:0B61', '--json');
  t.equal(r.code, 0, r.err);
  t.match(r.json?.devices, { scanner: { type: 'hid', vendorId: '0c2e', productId: '0b61', mode: 'pos' }, printer: { type: 'serial' }, display: { type: 'framebuffer', device: '/dev/fb1' } }, 'flags for one role, discovery for the rest');
  await refused(t, h, ['devices', '--scanner', 'ttyACM0'], /--scanner ttyACM0: expected a serial device path, hid:VID:PID, emulator or none/);
  await refused(t, h, ['devices', '--scanner', 'vfd:/dev/ttyUSB1'], /--scanner vfd:… is only for displays/);
});
