// Printer conformance over TCP 9100, a socat pty and a usblp-like file; faults: refused, never answering.
import t from 'tap';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EscPosPrinter,
  FilePrinterTransport,
  PrinterEmulatorCore,
  PtyPrinterEmulator,
  SerialPrinterTransport,
  TcpPrinterEmulator,
  TcpPrinterTransport,
  renderEscPos,
} from '#drivers';
import { ALL_VARIANTS, printerConformance, receipt } from './printer-conformance.js';
import { tempDir } from './helpers.js';

const dotsFor = (w: 58 | 80 | undefined) => (w === 58 ? 384 : 576);

printerConformance(t, 'tcp-9100', async (t, profile, bus) => {
  const emu = new TcpPrinterEmulator(dotsFor(profile.paperWidth));
  const port = await emu.start();
  t.teardown(() => emu.stop());
  const handle = await new EscPosPrinter({ transport: new TcpPrinterTransport('127.0.0.1', port), profile, bus }).open();
  t.teardown(() => handle.close());
  return { handle, emulator: emu, readsBack: true, render: () => emu.render() };
});

printerConformance(t, 'serial-pty', async (t, profile, bus) => {
  const dir = tempDir(t);
  const emu = new PtyPrinterEmulator(join(dir, 'ttyPrinter'), join(dir, 'peer'), dotsFor(profile.paperWidth));
  await emu.start();
  t.teardown(() => emu.stop());
  const handle = await new EscPosPrinter({ transport: new SerialPrinterTransport(emu.path), profile, bus }).open();
  t.teardown(() => handle.close());
  return { handle, emulator: emu, readsBack: true, render: () => emu.render() };
}, ALL_VARIANTS.slice(0, 2));

printerConformance(t, 'usblp-file', async (t, profile, bus) => {
  const file = join(tempDir(t), 'lp0');
  const emu = new PrinterEmulatorCore(dotsFor(profile.paperWidth));
  const handle = await new EscPosPrinter({ transport: new FilePrinterTransport(file), profile, bus }).open();
  t.teardown(() => handle.close());
  return { handle, emulator: emu, readsBack: false, render: () => renderEscPos(readFileSync(file), dotsFor(profile.paperWidth)) };
}, ALL_VARIANTS.slice(0, 2));

t.test('a TCP printer that refuses connections: PRINTER_UNAVAILABLE, job kept', async (t) => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r())); // nothing listens there now
  const handle = await new EscPosPrinter({ transport: new TcpPrinterTransport('127.0.0.1', port) }).open();
  const out = await handle.print(receipt(1));
  t.match(out, { ok: false, code: 'PRINTER_UNAVAILABLE' });
  t.equal(handle.pending().length, 1);
  await t.rejects(handle.queryStatus(), { code: 'PRINTER_UNAVAILABLE' });
});

t.test('printers that never answer: PRINTER_TIMEOUT over TCP and serial, nothing printed', async (t) => {
  const tcp = new TcpPrinterEmulator();
  tcp.set({ silent: true });
  const port = await tcp.start();
  t.teardown(() => tcp.stop());
  const h1 = await new EscPosPrinter({ transport: new TcpPrinterTransport('127.0.0.1', port), statusTimeoutMs: 200 }).open();
  t.match(await h1.print(receipt(1)), { ok: false, code: 'PRINTER_TIMEOUT' });
  t.equal(tcp.bytes().length, 0);

  const dir = tempDir(t);
  const pty = new PtyPrinterEmulator(join(dir, 'tty'), join(dir, 'peer'));
  pty.set({ silent: true });
  await pty.start();
  t.teardown(() => pty.stop());
  const h2 = await new EscPosPrinter({ transport: new SerialPrinterTransport(pty.path), statusTimeoutMs: 200 }).open();
  t.match(await h2.print(receipt(2)), { ok: false, code: 'PRINTER_TIMEOUT' });
  t.same(h2.pending().map((j) => j.code), ['PRINTER_TIMEOUT']);
});

t.test('a serial printer whose port is missing: PRINTER_UNAVAILABLE', async (t) => {
  const handle = await new EscPosPrinter({ transport: new SerialPrinterTransport('/nonexistent/ttyUSB9') }).open();
  t.match(await handle.print(receipt(1)), { ok: false, code: 'PRINTER_UNAVAILABLE' });
});
