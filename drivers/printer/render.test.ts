// Accented receipts as real ESC/POS bytes: Windows code pages by ESC t, a raster line for what no code page has, and the emulator's reading of both.
import t from 'tap';
import { encodeReceipt, PrinterProfileSchema, type Receipt } from './receipt.js';
import { renderEscPos } from './render.js';

const base: Receipt = { merchantName: 'Shop', at: Date.UTC(2026, 10, 27, 12, 0), amount: 340, currency: 'EUR', transactionId: 'ab'.repeat(8), qrText: 'TR1:ABC' };
/** The ESC t page in effect at the first occurrence of `text` bytes (-1 when absent). */
const pageAt = (bytes: Buffer, text: number[]): number => {
  const at = bytes.indexOf(Buffer.from(text));
  if (at < 0) return -1;
  const esc = bytes.subarray(0, at).lastIndexOf(Buffer.from([0x1b, 0x74]));
  return esc < 0 ? 0 : (bytes[esc + 2] as number);
};
const ESC_T = (n: number): Buffer => Buffer.from([0x1b, 0x74, n]);
/** GS v 0: raster images (the QR is one with the default profile). */
const images = (b: Uint8Array): number => Buffer.from(b).toString('latin1').split('\x1dv0').length - 1;

t.test('accented Latin text prints as characters in the Windows code page that has them', async (t) => {
  const bytes = Buffer.from(encodeReceipt({ ...base, merchantLines: ['Café Lumière', 'Łódź', 'Şişli', 'Rīga', 'Œuvre 5 €'] }, { paperWidth: 80 }));
  t.equal(pageAt(bytes, [0x43, 0x61, 0x66, 0xe9, 0x20, 0x4c, 0x75, 0x6d, 0x69, 0xe8, 0x72, 0x65, 0x0a]), 16, 'Café Lumière in windows-1252 (ESC t 16)');
  t.equal(pageAt(bytes, [0xa3, 0xf3, 0x64, 0x9f, 0x0a]), 45, 'Łódź in windows-1250 (ESC t 45)');
  t.equal(pageAt(bytes, [0xaa, 0x69, 0xba, 0x6c, 0x69, 0x0a]), 45, 'Şişli in windows-1250 too');
  t.ok(bytes.includes(Buffer.concat([Buffer.from('R'), ESC_T(51), Buffer.from([0xee, 0x67, 0x61, 0x0a])])), 'Rīga: R, then ESC t 51 (windows-1257) for ī');
  t.equal(pageAt(bytes, [0x8c, 0x75, 0x76, 0x72, 0x65, 0x20, 0x35, 0x20, 0x80, 0x0a]), 16, 'Œ and € in windows-1252');
  t.notOk(bytes.includes(Buffer.from('?', 'latin1')), 'nothing replaced by ?');
  t.equal(images(bytes), 1, 'only the QR is an image');
  const r = renderEscPos(bytes, 576);
  for (const l of ['Café Lumière', 'Łódź', 'Şişli', 'Rīga', 'Œuvre 5 €']) t.ok(r.lines.includes(l), `emulator reads ${l}`);
  t.same(r.unknown, []);
});

t.test('a line no code page carries prints as a raster image of our font', async (t) => {
  const plain = encodeReceipt({ ...base, merchantLines: ['Cu'] }, { paperWidth: 80 });
  const esperanto = encodeReceipt({ ...base, merchantLines: ['Ĉu ĥoro'] }, { paperWidth: 80 });
  t.equal(images(esperanto), images(plain) + 1, 'one more image: the line');
  t.notOk(renderEscPos(esperanto, 576).lines.some((l) => l.includes('?')), 'no ? printed');
  t.notOk(Buffer.from(esperanto).includes(Buffer.from('oro')), 'not sent as text');
});

t.test('a printer pinned to one code page: its own characters as text, the rest as raster', async (t) => {
  const profile = PrinterProfileSchema.parse({ paperWidth: 58, codepage: 'cp437' });
  const bytes = Buffer.from(encodeReceipt({ ...base, merchantName: 'Café Lumière', merchantLines: ['Łódź'] }, profile));
  t.equal(pageAt(bytes, [0x43, 0x61, 0x66, 0x82]), 0, 'é is 0x82 in cp437');
  t.ok(bytes.includes(ESC_T(0)), 'the pinned page is selected');
  t.equal(images(bytes), 2, 'QR and the Łódź line');
  const r = renderEscPos(bytes, 384);
  t.ok(r.lines.some((l) => l.includes('Café Lumiè')), r.lines.join('\n'));
  t.same(r.unknown, []);
});

t.test("the register's reference prints under the transaction, as text the printer cannot run as commands", async (t) => {
  const bytes = Buffer.from(encodeReceipt({ ...base, reference: 'ECR-0042/7' }, { paperWidth: 58 }));
  t.ok(bytes.includes(Buffer.from('ECR-0042/7')), 'the reference bytes are in the ESC/POS stream');
  const lines = renderEscPos(bytes, 384).lines;
  const at = lines.findIndex((l) => l.startsWith('Reference'));
  t.match(lines[at], /^Reference +ECR-0042\/7$/);
  t.match(lines[at - 1], /^Transaction /, 'right under the transaction id');
  t.ok(lines.every((l) => l.length <= 32), 'no line wider than 58 mm paper');

  const fr = renderEscPos(encodeReceipt({ ...base, language: 'fr', reference: 'Caisse 3' }, { paperWidth: 80 }), 576).lines;
  t.ok(fr.some((l) => /^Référence +Caisse 3$/.test(l)), 'labelled in the merchant language');

  const hostile = Buffer.from(encodeReceipt({ ...base, reference: 'A\x1b@\x1dV\x00B' }, { paperWidth: 80 }));
  t.ok(hostile.includes(Buffer.from('A?@?V?B')), 'control bytes printed as ? (no ESC @ reset, no GS V cut from the reference)');
  t.equal(renderEscPos(hostile, 576).cuts, 1, 'one cut: the receipt end');
  const long = renderEscPos(encodeReceipt({ ...base, reference: 'R'.repeat(40) }, { paperWidth: 58 }), 384).lines;
  t.ok(long.some((l) => l.endsWith('R'.repeat(30))) && long.every((l) => l.length <= 32), 'a longer reference is cut to the paper width');
});
