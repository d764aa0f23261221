// Provisioning through the real drivers: discovery under a root, check probes against emulated devices, the daemon's config check, and the daemon's start checks.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { createFramebufferEmulator, SerialScannerEmulator, TcpPrinterEmulator } from '#drivers';
import { toQrText } from '#protocol';
import { defaultProbes, driverDevices } from '#provisioning';
import { silentLogger } from '#common';
import { driverDeviceFactory, loadConfigValidator } from '#terminal';
import { createTerminalWorld } from '#terminal/testkit';

function tmp(t: { teardown(f: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-provdrv-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

t.test("discovery under a root: by-id links and framebuffers from the drivers' listDevices, paths as the terminal sees them", async (t) => {
  const root = tmp(t);
  fs.mkdirSync(path.join(root, 'dev/serial/by-id'), { recursive: true });
  fs.writeFileSync(path.join(root, 'dev/ttyACM0'), '');
  fs.symlinkSync('../../ttyACM0', path.join(root, 'dev/serial/by-id/usb-Honeywell_Scanner_1-if00'));
  createFramebufferEmulator(path.join(root, 'dev'), { width: 480, height: 320, bitsPerPixel: 16, fb: 'fb1' });
  fs.renameSync(path.join(root, 'dev/sys'), path.join(root, 'sys'));
  fs.mkdirSync(path.join(root, 'dev/usb'));
  fs.writeFileSync(path.join(root, 'dev/usb/lp0'), '');
  const list = await driverDevices(root);
  t.same(list.serial, [{ path: '/dev/ttyACM0', byId: '/dev/serial/by-id/usb-Honeywell_Scanner_1-if00', product: 'usb-Honeywell_Scanner_1-if00' }]);
  t.same(list.framebuffers, [{ path: '/dev/fb1', width: 480, height: 320, bitsPerPixel: 16, name: 'tessera-emulated' }]);
  t.same(list.usblp, [{ path: '/dev/usb/lp0' }]);
  t.same(list.hid, [], "the host's HID devices are not the image's");
});

t.test('check probes open the pty scanner, query the TCP printer, draw on the framebuffer', async (t) => {
  const dir = tmp(t);
  const scanner = new SerialScannerEmulator(path.join(dir, 'scanner'), path.join(dir, 'peer'));
  await scanner.start();
  const printer = new TcpPrinterEmulator();
  const port = await printer.start();
  t.teardown(async () => {
    await scanner.stop();
    await printer.stop();
  });
  const fb = createFramebufferEmulator(dir, { width: 320, height: 240, bitsPerPixel: 16 });
  const probes = defaultProbes();
  const ctx = { at: (p: string) => p };

  t.match(await probes.openDevice('scanner', { type: 'serial', path: scanner.path }, ctx), { ok: true, detail: 'opens' });
  const absent = await probes.openDevice('scanner', { type: 'serial', path: path.join(dir, 'nope') }, ctx);
  t.equal(absent.ok, false, `a missing scanner: ${absent.detail}`);

  const tcp = { type: 'tcp', host: '127.0.0.1', port };
  t.match(await probes.openDevice('printer', tcp, ctx), { ok: true });
  t.match(await probes.printerStatus(tcp, ctx), { ok: true, detail: 'online, paper ok, cover closed' });
  printer.set({ paperOut: true });
  t.match(await probes.printerStatus(tcp, ctx), { ok: false, detail: 'paper out' }, 'the ESC/POS status is read, not assumed');

  const display = { type: 'framebuffer', device: fb.device, sysfsRoot: fb.sysfsRoot };
  t.match(await probes.openDevice('display', display, ctx), { ok: true });
  t.match(await probes.displayDraw(display, ctx), { ok: true, detail: /Tessera check/ });
  t.ok(fs.readFileSync(fb.device).some((b) => b !== 0), 'pixels were written to the framebuffer');
  t.match(await probes.displayDraw({ type: 'emulator' }, ctx), { ok: true });
});

t.test("the daemon's config check validates device entries with the drivers' schemas", async (t) => {
  const validate = await loadConfigValidator();
  t.doesNotThrow(() => validate({ devices: { scanner: { type: 'serial', path: '/dev/ttyACM0' }, printer: null, display: { type: 'emulator' } } }));
  t.throws(() => validate({ devices: { scanner: { type: 'serial' } } }), { code: 'CONFIG_INVALID', details: { path: 'devices.scanner.path' } });
  t.throws(() => validate({ devices: { printer: { type: 'tcp', host: 'p', port: 0 } } }), { code: 'CONFIG_INVALID', details: { path: 'devices.printer.port' } });
  t.throws(() => validate({ devices: { scanner: { kind: 'serial', path: '/dev/ttyACM0' } } }), { code: 'CONFIG_INVALID', message: /devices\.scanner/ });
  t.throws(() => validate({ terminalId: 'T-1' }), { code: 'CONFIG_INVALID', message: /Unrecognized key/ });
  const f = driverDeviceFactory();
  const ctx = { mode: 'merchant' as const, log: silentLogger() };
  t.equal(await f.scanner!(undefined, ctx), undefined, 'an absent entry opens no device');
  t.equal(await f.printer!(null, ctx), undefined, 'nor does null (none, on purpose)');
  t.ok(await f.display!({ type: 'emulator' }, ctx), 'an entry opens its driver');
});

t.test("the daemon applies the bundle's fleet messages at start and refuses a terminal section that contradicts the certificate", async (t) => {
  const tw = await createTerminalWorld({ mode: 'transit' });
  t.teardown(() => tw.cleanup());
  const fleetConfigFile = path.join(tw.dir, 'fleet-config.msg');
  const denylistFile = path.join(tw.dir, 'denylist.msg');
  const fares = { currency: 'EUR', operatorId: 'OP-METRO', utcOffsetMinutes: 60, fares: [] };
  fs.writeFileSync(fleetConfigFile, `${toQrText('FLEET_MESSAGE', await tw.world.fleetConfig(3, fares, tw.terminalId))}\n`);
  fs.writeFileSync(denylistFile, `${toQrText('FLEET_MESSAGE', await tw.world.fleetDenylist(2, []))}\n`);
  const identity = { ...tw.config.identity, fleetConfigFile, denylistFile };

  const d = tw.daemon({ config: { ...tw.config, identity, terminal: { id: tw.terminalId, mode: 'transit', merchantId: 'M-OTHER', displayName: 'x' } } });
  await t.rejects(d.start(), { code: 'CONFIG_INVALID', message: /terminal\.merchantId is M-OTHER, the certificate says M-CAFE/ });

  const ok = tw.daemon({ config: { ...tw.config, identity } });
  await ok.start();
  t.teardown(() => ok.stop());
  t.match(ok.status().fleet, { config: { version: 3 }, denylist: { version: 2 } }, 'fare config and deny list in force from the installed files');
  await ok.stop();
  const again = tw.daemon({ config: { ...tw.config, identity } });
  await again.start();
  t.match(again.status().fleet, { config: { version: 3 }, denylist: { version: 2 } }, 'a restart re-applies nothing and keeps them');
  await again.stop();
});
