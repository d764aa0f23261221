// Display conformance: framebuffer over a file + fake sysfs (16/32 bpp, padded stride, portrait), VFD over a pty, console; faults.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { EventBus } from '#common';
import {
  ConsoleDisplay,
  FramebufferDisplay,
  PtyVfdEmulator,
  RecordingDisplay,
  VfdDisplay,
  createFramebufferEmulator,
  layoutScreen,
  packPixels,
  readFbGeometry,
  renderFramebufferPng,
  type Screen,
  type DeviceEvents,
} from '#drivers';
import { ALL_SCREENS, displayConformance } from './display-conformance.js';
import { decodeQrPng, decodeHalfBlockQr, tempDir, until } from './helpers.js';

for (const g of [
  { width: 480, height: 320, bitsPerPixel: 16 },
  { width: 800, height: 480, bitsPerPixel: 32, stride: 3328 },
  { width: 240, height: 320, bitsPerPixel: 16 },
]) {
  displayConformance(t, `framebuffer ${g.width}x${g.height}@${g.bitsPerPixel}`, async (t) => {
    const emu = createFramebufferEmulator(tempDir(t), g);
    const handle = await new FramebufferDisplay({ device: emu.device, sysfsRoot: emu.sysfsRoot }).open();
    t.teardown(() => handle.close());
    return { handle, showsQr: true, observe: async (wantQr) => (wantQr ? { qr: decodeQrPng(renderFramebufferPng(emu)) } : {}) };
  });
}

t.test('the framebuffer holds exactly the reference frame after every screen, partial writes included', async (t) => {
  // The reference is the RGB layout packed pixel by pixel; the driver draws in the panel format and
  // writes only changed lines, so this proves both give the same bytes, screen after screen.
  const sameKind: Screen[] = [
    { kind: 'transit-ok', fare: 250, currency: 'KES', remaining: 1000 },
    { kind: 'transit-ok', fare: 250, currency: 'KES', remaining: 750 },
    { kind: 'transit-ok', fare: 250, currency: 'KES', remaining: 750 },
    { kind: 'transit-ok', fare: 300, currency: 'EUR' },
    { kind: 'request', amount: 990, currency: 'EUR', merchantName: 'Cafe Mondial', qrText: 'HC1:ABC' },
    { kind: 'request', amount: 990, currency: 'EUR', merchantName: 'Cafe Mondial', qrText: 'HC1:ABD' },
  ];
  for (const g of [
    { width: 480, height: 320, bitsPerPixel: 16 },
    { width: 800, height: 480, bitsPerPixel: 32, stride: 3328 },
    { width: 240, height: 320, bitsPerPixel: 16, stride: 496 },
  ]) {
    const emu = createFramebufferEmulator(tempDir(t), g);
    const geometry = readFbGeometry(emu.fb, emu.sysfsRoot);
    const handle = await new FramebufferDisplay({ device: emu.device, sysfsRoot: emu.sysfsRoot }).open();
    for (const s of [...ALL_SCREENS, ...sameKind, ...ALL_SCREENS.slice(0, 2)]) {
      await handle.show(s);
      const want = packPixels(layoutScreen(s, g.width, g.height).data, geometry);
      t.ok(readFileSync(emu.device).equals(want), `${g.width}x${g.height}@${g.bitsPerPixel}: ${JSON.stringify(s).slice(0, 60)}`);
    }
    await handle.close();
  }
});

t.test('a framebuffer whose stride is not whole pixels is refused at open', async (t) => {
  const emu = createFramebufferEmulator(tempDir(t), { width: 100, height: 10, bitsPerPixel: 32, stride: 402 });
  await t.rejects(new FramebufferDisplay({ device: emu.device, sysfsRoot: emu.sysfsRoot }).open(), { code: 'DISPLAY_UNSUPPORTED' });
});

displayConformance(t, 'vfd 2x20 over pty', async (t) => {
  const dir = tempDir(t);
  const emu = new PtyVfdEmulator(join(dir, 'ttyVfd'), join(dir, 'peer'));
  await emu.start();
  t.teardown(() => emu.stop());
  const handle = await new VfdDisplay({ path: emu.path }).open();
  t.teardown(() => handle.close());
  let seen = 0;
  return {
    handle,
    showsQr: false,
    observe: async () => {
      // each screen is one write; wait until its last line has landed
      const want = seen + 1;
      await until(() => emu.updates >= want, 5000, 'vfd update');
      await new Promise((r) => setTimeout(r, 20));
      seen = emu.updates;
      return { text: emu.screen.map((l) => l.trim()) };
    },
  };
});

displayConformance(t, 'console ANSI', async () => {
  const out = new PassThrough();
  let last = '';
  out.on('data', (d: Buffer) => (last = d.toString('utf8')));
  const handle = await new ConsoleDisplay(out).open();
  return { handle, showsQr: true, observe: async () => ({ text: last.split('\n'), qr: decodeHalfBlockQr(last) }) };
});

displayConformance(t, 'recording (emulator)', async () => {
  const rec = new RecordingDisplay(480, 320);
  const handle = await rec.open();
  return { handle, showsQr: true, observe: async (wantQr) => (wantQr ? { qr: decodeQrPng(rec.png()!) } : {}) };
});

t.test('unsupported framebuffer depths fail at open with DISPLAY_UNSUPPORTED', async (t) => {
  for (const bitsPerPixel of [8, 24]) {
    const bus = new EventBus<DeviceEvents>();
    const events: string[] = [];
    bus.on('device:status', (e) => events.push(`${e.state}:${e.code}`));
    const emu = createFramebufferEmulator(tempDir(t), { width: 320, height: 240, bitsPerPixel });
    await t.rejects(new FramebufferDisplay({ device: emu.device, sysfsRoot: emu.sysfsRoot, bus }).open(), { code: 'DISPLAY_UNSUPPORTED' });
    t.same(events, ['unsupported:DISPLAY_UNSUPPORTED']);
  }
  const dir = tempDir(t);
  await t.rejects(new FramebufferDisplay({ device: join(dir, 'fb1'), sysfsRoot: dir }).open(), { code: 'DISPLAY_OPEN_FAILED' });
  const emu = createFramebufferEmulator(dir, { width: 320, height: 240, bitsPerPixel: 16, fb: 'fb2' });
  await t.rejects(new FramebufferDisplay({ device: join(dir, 'missing'), fb: emu.fb, sysfsRoot: emu.sysfsRoot }).open(), { code: 'DISPLAY_OPEN_FAILED' });
});

t.test('a VFD that vanishes is reopened on the next screen; show never throws', async (t) => {
  const dir = tempDir(t);
  const emu = new PtyVfdEmulator(join(dir, 'ttyVfd'), join(dir, 'peer'));
  await emu.start();
  t.teardown(() => emu.stop());
  let fail = false;
  const bus = new EventBus<DeviceEvents>();
  const states: string[] = [];
  bus.on('device:status', (e) => states.push(e.state));
  const handle = await new VfdDisplay({
    path: emu.path,
    bus,
    openPort: async (p, b) => {
      if (fail) throw new Error('ENOENT');
      const { openVfdSerial } = await import('#drivers');
      return openVfdSerial(p, b);
    },
  }).open();
  t.teardown(() => handle.close());
  await emu.stop();
  fail = true;
  await handle.show({ kind: 'processing' });
  await handle.show({ kind: 'processing' });
  t.ok(states.includes('disconnected'));
  t.match(handle.status(), { state: 'disconnected', code: 'DISPLAY_OPEN_FAILED' }, 'status() says so');
  fail = false;
  await emu.start();
  await handle.show({ kind: 'idle', title: 'Ready' });
  await until(() => emu.screen[0]?.trim() === 'Ready', 5000, 'vfd shows Ready');
  t.same(handle.status(), { state: 'connected' }, 'connected again after the reopen');
  t.equal(states.at(-1), 'connected', 'and reported on the bus');
});
