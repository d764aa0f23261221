// Scanner conformance over the real boundaries: serial driver on a socat pty, HID driver on a report stream, and the emulated scanner.
import t from 'tap';
import { join } from 'node:path';
import { EmulatedHidTransport, EmulatedScanner, HidScanner, LAYOUTS, SerialScanner, SerialScannerEmulator, keyboardReportsFor, posReportsFor } from '#drivers';
import { scannerConformance } from './scanner-conformance.js';
import { tempDir } from './helpers.js';

const backoff = { initialMs: 20, maxMs: 200 };

scannerConformance(t, 'serial/pty', async (t, opts) => {
  const dir = tempDir(t);
  const emu = new SerialScannerEmulator(join(dir, 'ttyScanner'), join(dir, 'peer'));
  await emu.start();
  t.teardown(() => emu.stop());
  const handle = await new SerialScanner({ path: emu.path, baudRate: 9600, framing: { kind: 'terminator', terminator: 'crlf' }, backoff, presenceCheckMs: 25, ...opts }).open();
  return {
    handle,
    present: (code) => emu.present(code, '\r\n'),
    garbage: () => emu.write(Uint8Array.of(0x00, 0xff, 0x1b, 0x41, 0x0d, 0x0a)),
    vanishMidCode: async (partial) => {
      await emu.write(partial);
      await emu.unplug();
    },
    replug: () => emu.replug(),
  };
});

for (const mode of ['keyboard', 'pos'] as const) {
  scannerConformance(t, `hid-${mode}/report-stream`, async (_t, opts) => {
    const hid = new EmulatedHidTransport();
    const reports = (code: string) => (mode === 'keyboard' ? keyboardReportsFor(LAYOUTS.us!, code) : posReportsFor(code));
    const handle = await new HidScanner({ target: { vendorId: 0x0c2e, productId: 0x0b61 }, mode, transport: hid, backoff, ...opts }).open();
    return {
      handle,
      present: async (code) => hid.send(...reports(code)),
      garbage: async () =>
        mode === 'keyboard'
          ? hid.send(Uint8Array.of(0, 0, 0x3a, 0, 0, 0, 0, 0), new Uint8Array(8), ...keyboardReportsFor(LAYOUTS.us!, 'X')) // F1 then X⏎
          : hid.send(...posReportsFor('A\u0001B')),
      vanishMidCode: async (partial) => {
        if (mode === 'keyboard') {
          hid.send(...keyboardReportsFor(LAYOUTS.us!, partial).slice(0, -2)); // everything but Enter
        } else {
          const more = posReportsFor(partial)[0]!;
          more[more.length - 1] = 1; // "more data follows", then the device is gone
          hid.send(more);
        }
        hid.unplug();
      },
      replug: async () => hid.plug(),
    };
  });
}

scannerConformance(t, 'emulated', async (_t, opts) => {
  const drv = new EmulatedScanner(opts);
  const handle = await drv.open();
  const h = drv.handle!;
  return {
    handle,
    present: async (code) => h.present(code),
    garbage: async () => h.present('AB\u0007CD'),
    vanishMidCode: async (partial) => h.unplug(partial),
    replug: async () => h.connect(),
  };
});
