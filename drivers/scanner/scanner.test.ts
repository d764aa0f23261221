// Unit tests: framing modes, the re-read window, keyboard layouts and HID decoding.
import t from 'tap';
import { EventEmitter } from 'node:events';
import { EventBus, ManualClock, silentLogger } from '#common';
import type { DeviceEvents } from '../events.js';
import { CodeAssembler } from './filter.js';
import { KeyboardReportDecoder, keyboardReportsFor, decodePosReport, posReportsFor } from './hid-decode.js';
import { LAYOUTS } from './keymap.js';
import { SerialScanner, type SerialLike } from './serial.js';

const BASE45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

class FakePort extends EventEmitter implements SerialLike {
  isOpen = true;
  close(cb?: (err?: Error | null) => void): void {
    this.isOpen = false;
    this.emit('close');
    cb?.();
  }
}

async function serialWith(framing: ConstructorParameters<typeof SerialScanner>[0]['framing']) {
  const port = new FakePort();
  const handle = await new SerialScanner({ path: '/dev/fake', framing, openSerial: async () => port, presenceCheckMs: 0 }).open();
  const scans: string[] = [];
  handle.on('scan', (c) => scans.push(c));
  return { port, handle, scans };
}

t.test('terminator framing: cr, lf, crlf and any', async (t) => {
  const cr = await serialWith({ kind: 'terminator', terminator: 'cr' });
  cr.port.emit('data', Buffer.from('AB\rC'));
  cr.port.emit('data', Buffer.from('D\r'));
  t.same(cr.scans, ['AB', 'CD']);
  const crlf = await serialWith({ kind: 'terminator', terminator: 'crlf' });
  crlf.port.emit('data', Buffer.from('AB\r'));
  crlf.port.emit('data', Buffer.from('\nCD\r\n'));
  t.same(crlf.scans, ['AB', 'CD'], 'CRLF split across chunks');
  const any = await serialWith({ kind: 'terminator', terminator: 'any' });
  any.port.emit('data', Buffer.from('AB\r\nCD\nEF\r'));
  t.same(any.scans, ['AB', 'CD', 'EF']);
  const lf = await serialWith({ kind: 'terminator', terminator: 'lf' });
  lf.port.emit('data', Buffer.from('AB\nCD\r\n'));
  t.same(lf.scans, ['AB'], 'a stray CR makes the line non-printable, so it is dropped');
  for (const h of [cr, crlf, any, lf]) await h.handle.close();
});

t.test('inter-byte timeout framing delivers after silence', async (t) => {
  const s = await serialWith({ kind: 'timeout', ms: 20 });
  const got = new Promise<string>((resolve) => s.handle.once('scan', resolve));
  s.port.emit('data', Buffer.from('TP1:'));
  s.port.emit('data', Buffer.from('ABC'));
  t.equal(await got, 'TP1:ABC');
  await s.handle.close();
});

t.test('a vanished port discards the partial code and reports why on the bus', async (t) => {
  const port = new FakePort();
  const bus = new EventBus<DeviceEvents>();
  const events: string[] = [];
  bus.on('device:status', (e) => events.push(`${e.state}:${e.code ?? ''}`));
  bus.on('scanner:dropped', (e) => events.push(`dropped:${e.reason}:${e.length}`));
  let opens = 0;
  const handle = await new SerialScanner({
    path: '/dev/fake',
    bus,
    presenceCheckMs: 0,
    backoff: { initialMs: 5, maxMs: 10 },
    openSerial: async () => {
      opens++;
      if (opens === 1) return port;
      if (opens < 4) throw new Error('ENOENT');
      return new FakePort();
    },
  }).open();
  port.emit('data', Buffer.from('TP1:HALF'));
  port.emit('close', Object.assign(new Error('disconnected'), { disconnected: true }));
  await new Promise<void>((resolve) => handle.on('status', (s) => s.state === 'connected' && resolve()));
  t.same(events, [
    'connected:',
    'dropped:partial:8',
    'disconnected:SCANNER_DISCONNECTED',
    'reconnecting:SCANNER_DISCONNECTED',
    'reconnecting:SCANNER_OPEN_FAILED',
    'connected:',
  ]);
  t.equal(opens, 4, 'kept retrying');
  await handle.close();
});

t.test('re-reads extend the presentation window', async (t) => {
  const clock = new ManualClock(0);
  const out: string[] = [];
  const refused: string[] = [];
  const a = new CodeAssembler({ maxLength: 10, rereadWindowMs: 100 }, clock, { code: (c) => out.push(c), refused: (r) => refused.push(`${r.reason}:${r.length}/${r.maxLength}`) }, silentLogger());
  const scan = (s: string) => (a.push(s), a.end());
  scan('A');
  for (let i = 0; i < 5; i++) {
    clock.advance(90);
    scan('A'); // 450 ms held, never more than 90 ms between reads
  }
  clock.advance(101);
  scan('A');
  scan('B');
  scan('A');
  scan('TOO-LONG-CODE');
  scan('');
  t.same(out, ['A', 'A', 'B', 'A']);
  t.same(refused, ['too-long:13/10'], 'the over-long line is refused, not dropped silently');
  scan('TOO-LONG-CODE');
  t.same(refused, ['too-long:13/10'], 'held in front of the reader, it is refused once per presentation');
  scan('A');
  t.same(out, ['A', 'A', 'B', 'A'], 'a refused line in between does not split the presentation of a held code');
});

t.test('a 5,004-character line is refused with its length, then the next code arrives', async (t) => {
  const s = await serialWith({ kind: 'terminator', terminator: 'crlf' });
  const refusals: unknown[] = [];
  s.handle.on('refused', (r) => refusals.push(r));
  const line = 'TP1:' + 'A'.repeat(5_000);
  for (let i = 0; i < line.length; i += 512) s.port.emit('data', Buffer.from(line.slice(i, i + 512)));
  s.port.emit('data', Buffer.from('\r\nTP1:OK\r\n'));
  t.same(refusals, [{ reason: 'too-long', length: 5_004, maxLength: 2_048 }]);
  t.same(s.scans, ['TP1:OK']);
  s.port.emit('data', Buffer.from('TP1:\u0007BEL\r\n'));
  t.same(refusals.at(-1), { reason: 'non-printable', length: 8, maxLength: 2_048 });
  await s.handle.close();
});

t.test('US layout types and decodes the whole Base45 alphabet with shift', async (t) => {
  const us = LAYOUTS.us!;
  const dec = new KeyboardReportDecoder(us);
  let text = '';
  let ends = 0;
  for (const r of keyboardReportsFor(us, BASE45)) {
    for (const e of dec.decode(r)) {
      if (e.kind === 'text') text += e.text;
      else ends++;
    }
  }
  t.equal(text, BASE45);
  t.equal(ends, 1);
  const shifted = keyboardReportsFor(us, '$%*+:').filter((r) => r[2] !== 0x28 && r[2] !== 0);
  t.ok(shifted.every((r) => r[0] === 0x02), 'every one of $%*+: needs shift on US');
});

t.test('German layout: same text, different keys', async (t) => {
  const de = LAYOUTS.de!;
  const dec = new KeyboardReportDecoder(de);
  const reports = keyboardReportsFor(de, BASE45);
  const text = reports.flatMap((r) => dec.decode(r)).map((e) => (e.kind === 'text' ? e.text : '\n')).join('');
  t.equal(text, BASE45 + '\n');
  const us = new KeyboardReportDecoder(LAYOUTS.us!);
  const misread = keyboardReportsFor(de, 'YZ').flatMap((r) => us.decode(r)).map((e) => (e.kind === 'text' ? e.text : '')).join('');
  t.equal(misread, 'ZY', 'a layout mismatch is visible, which is why the layout is configured');
});

t.test('held keys and rollover reports do not double characters', async (t) => {
  const dec = new KeyboardReportDecoder(LAYOUTS.us!);
  const events = [
    Uint8Array.of(0, 0, 0x04, 0, 0, 0, 0, 0), // a down
    Uint8Array.of(0, 0, 0x04, 0x05, 0, 0, 0, 0), // a held, b down
    Uint8Array.of(0, 0, 0x05, 0, 0, 0, 0, 0), // b held
    Uint8Array.of(0, 0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01), // rollover error
    new Uint8Array(8),
  ].flatMap((r) => dec.decode(r));
  t.same(events, [{ kind: 'text', text: 'a' }, { kind: 'text', text: 'b' }]);
  const withId = new KeyboardReportDecoder(LAYOUTS.us!, { reportId: true });
  t.same(withId.decode(Uint8Array.of(1, 2, 0, 0x04, 0, 0, 0, 0, 0)), [{ kind: 'text', text: 'A' }]);
});

t.test('HID-POS reports: multi-report codes and foreign report IDs', async (t) => {
  const code = 'TP1:' + 'X'.repeat(150);
  const reports = posReportsFor(code);
  t.equal(reports.length, 3);
  const events = reports.flatMap((r) => decodePosReport(r));
  t.equal(events.map((e) => (e.kind === 'text' ? e.text : '|')).join(''), code + '|');
  t.same(decodePosReport(Uint8Array.of(0x04, 1, 2, 3)), [], 'other reports are ignored');
});
