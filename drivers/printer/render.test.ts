import t from 'tap';
import { encodeReceipt, PrinterProfileSchema } from './receipt.js';
import { renderEscPos } from './render.js';

t.test('accented merchant names survive the code page round trip through the emulator', async (t) => {
  const profile = PrinterProfileSchema.parse({ paperWidth: 80 });
  const bytes = encodeReceipt(
    { merchantName: 'Café Lumière', at: Date.UTC(2026, 10, 27, 12, 0), amount: 340, currency: 'EUR', transactionId: 'ab'.repeat(32), qrText: 'TR1:ABC' },
    profile,
  );
  const r = renderEscPos(bytes, 576);
  t.ok(r.lines.some((l) => l.includes('Café Lumière')), r.lines.join('\n'));
  t.same(r.unknown, []);
});
