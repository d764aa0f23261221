// listDevices over a fake /dev and /sys tree with injected serial and HID lists.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFramebufferEmulator } from './display/fb-emulator.js';
import { formatDevicesTable, listDevices } from './devices.js';

t.test('lists serial by-id, HID kinds, framebuffers with geometry and usblp printers', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-devs-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dev = join(root, 'dev');
  mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true });
  mkdirSync(join(dev, 'usb'), { recursive: true });
  writeFileSync(join(dev, 'ttyACM0'), '');
  writeFileSync(join(dev, 'usb', 'lp0'), '');
  symlinkSync('../../ttyACM0', join(dev, 'serial', 'by-id', 'usb-Honeywell_Scanner_123-if00'));
  symlinkSync('../../ttyUSB3', join(dev, 'serial', 'by-id', 'usb-FTDI_Printer-if00-port0'));
  const fb0 = createFramebufferEmulator(root, { width: 480, height: 320, bitsPerPixel: 16 });
  createFramebufferEmulator(root, { width: 640, height: 480, bitsPerPixel: 8, fb: 'fb1' });
  const list = await listDevices({
    devRoot: dev,
    sysfsRoot: fb0.sysfsRoot,
    listSerial: async () => [{ path: join(dev, 'ttyACM0'), vendorId: '0c2e', productId: '0b61', manufacturer: 'Honeywell' }],
    listHid: async () => [
      { vendorId: 0x05e0, productId: 0x1200, product: 'Symbol Scanner', usagePage: 0x8c, usage: 2 },
      { vendorId: 0x0c2e, productId: 0x0b61, product: 'Wedge', usagePage: 1, usage: 6 },
    ],
  });
  t.same(list.serial, [
    { path: join(dev, 'ttyACM0'), vendorId: '0c2e', productId: '0b61', manufacturer: 'Honeywell', byId: join(dev, 'serial', 'by-id', 'usb-Honeywell_Scanner_123-if00') },
    { path: join(dev, 'ttyUSB3'), byId: join(dev, 'serial', 'by-id', 'usb-FTDI_Printer-if00-port0') },
  ]);
  t.same(list.hid.map((h) => `${h.vendorId}:${h.productId}:${h.kind}`), ['05e0:1200:hid-pos', '0c2e:0b61:keyboard-wedge']);
  t.match(list.framebuffers, [
    { fb: 'fb0', width: 480, height: 320, bitsPerPixel: 16, stride: 960, supported: true },
    { fb: 'fb1', supported: false, problem: /8 bits per pixel/ },
  ]);
  t.same(list.printers, [{ device: join(dev, 'usb', 'lp0'), kind: 'usblp' }]);
  const table = formatDevicesTable(list);
  t.match(table, /usb-Honeywell_Scanner_123-if00 {2}-> .*ttyACM0 {2}0c2e:0b61/);
  t.match(table, /05e0:1200 {2}hid-pos {2}Symbol Scanner/);
  t.match(table, /480x320 {2}16 bpp {2}stride 960/);
});

t.test('a failing lookup is reported, the rest still listed', async (t) => {
  const list = await listDevices({
    devRoot: '/nonexistent',
    sysfsRoot: '/nonexistent',
    listSerial: async () => {
      throw new Error('spawn udevadm ENOENT');
    },
    listHid: async () => [],
  });
  t.same(list.problems, ['serial ports: spawn udevadm ENOENT']);
  t.match(formatDevicesTable(list), /\(none found\)[\s\S]*Problems:\n {2}serial ports: spawn udevadm ENOENT/);
});
