// Config schemas and factories: defaults, validation, and drivers built from plain objects that work.
import t from 'tap';
import { EventBus } from '#common';
import { createDisplay, createPrinter, createScanner, DisplayConfigSchema, PrinterConfigSchema, ScannerConfigSchema } from './config.js';
import type { DeviceEvents } from './events.js';
import { EmulatedScanner } from './scanner/emulated.js';
import { EmulatedHidTransport } from './scanner/hid-transport.js';
import { keyboardReportsFor } from './scanner/hid-decode.js';
import { LAYOUTS } from './scanner/keymap.js';
import { RecordingDisplay } from './display/recording.js';

t.test('schemas fill defaults and reject nonsense', async (t) => {
  t.match(ScannerConfigSchema.parse({ type: 'serial', path: '/dev/serial/by-id/x' }), {
    baudRate: 9600,
    framing: { terminator: 'any' },
    maxLength: 2048,
    rereadWindowMs: 1500,
    backoff: { initialMs: 200, maxMs: 5000 },
  });
  t.match(ScannerConfigSchema.parse({ type: 'hid', vendorId: '0x0c2e', productId: '0b61' }), { vendorId: 0x0c2e, productId: 0x0b61, mode: 'keyboard', layout: 'us' });
  t.throws(() => ScannerConfigSchema.parse({ type: 'hid', vendorId: 1, productId: 2, layout: 'klingon' }));
  t.throws(() => ScannerConfigSchema.parse({ type: 'serial' }));
  t.match(PrinterConfigSchema.parse({ type: 'tcp', host: '10.0.0.9' }), { port: 9100, profile: { paperWidth: 80, qr: 'raster', codepage: 'auto' } });
  t.match(PrinterConfigSchema.parse({ type: 'usblp' }), { path: '/dev/usb/lp0', readsBack: false });
  t.throws(() => PrinterConfigSchema.parse({ type: 'tcp', host: 'x', profile: { paperWidth: 70 } }));
  t.match(DisplayConfigSchema.parse({ type: 'framebuffer' }), { device: '/dev/fb0', sysfsRoot: '/sys' });
  t.throws(() => createScanner({ type: 'hid' }), /path or vendorId/);
});

t.test('factories build working drivers', async (t) => {
  const bus = new EventBus<DeviceEvents>();
  const scans: string[] = [];
  bus.on('scanner:scan', (e) => scans.push(e.code));
  const emu = createScanner({ type: 'emulator' }, { bus });
  t.ok(emu instanceof EmulatedScanner);
  const h = await emu.open();
  (emu as EmulatedScanner).handle!.present('TP1:ABC');
  const hid = new EmulatedHidTransport();
  const hh = await createScanner({ type: 'hid', vendorId: 1, productId: 2 }, { bus, hidTransport: hid }).open();
  hid.send(...keyboardReportsFor(LAYOUTS.us!, 'TP1:DEF'));
  t.same(scans, ['TP1:ABC', 'TP1:DEF']);
  await h.close();
  await hh.close();

  const printer = createPrinter({ type: 'emulator', profile: { paperWidth: 58 } }, { bus });
  const ph = await printer.open();
  const out = await ph.print({ merchantName: 'M', at: 0, amount: 100, currency: 'JPY', transactionId: 'T1', qrText: 'TP1:X' });
  t.equal(out.ok, true);
  t.ok(printer.emulator!.render().lines.some((l) => /AMOUNT +JPY 100$/.test(l)));
  printer.emulator!.set({ paperOut: true });
  t.match(await ph.print({ merchantName: 'M', at: 0, amount: 1, currency: 'JPY', transactionId: 'T2', qrText: 'TP1:Y' }), { ok: false, code: 'PRINTER_PAPER_OUT' });

  const display = createDisplay({ type: 'emulator' });
  t.ok(display instanceof RecordingDisplay);
  const dh = await display.open();
  await dh.show({ kind: 'processing' });
  t.same((display as RecordingDisplay).screens, [{ kind: 'processing' }]);
});
