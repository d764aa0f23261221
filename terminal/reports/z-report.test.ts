import t from 'tap';
import { localDate } from '#common';
import { encodeReport, renderEscPos } from '#drivers';
import type { JournalRow } from '../store/index.js';
import { ADJUSTMENT } from '#protocol';
import { zReport } from './z-report.js';
import { zSlip } from './z-slip.js';

const at = (iso: string): number => Date.parse(iso);
let n = 0;
function row(iso: string, o: Partial<JournalRow> = {}): JournalRow {
  n++;
  return { idx: n, txId: new Uint8Array(32).fill(n), record: new Uint8Array(), hash: new Uint8Array(32), decision: 0, reason: 0, amount: 100, currency: 'EUR', purseId: null, seq: n, timeMs: at(iso), latencyUs: null, reference: null, adjustment: null, original: null, ...o };
}

// Paris is UTC+1 in December: its 5 December runs from 4 December 23:00 UTC to 5 December 23:00 UTC.
const journal = [
  row('2026-12-04T22:59:59.999Z', { amount: 111 }), // 4 Dec 23:59:59.999 in Paris: the day before
  row('2026-12-04T23:00:00.000Z', { amount: 450 }), // midnight in Paris: the first of the day
  row('2026-12-05T09:15:00Z', { amount: 1250 }),
  row('2026-12-05T10:00:00Z', { decision: 1, reason: 7, amount: 999 }), // declined, EUR
  row('2026-12-05T11:00:00Z', { decision: 1, reason: 1, amount: 0, currency: null }), // unreadable code
  row('2026-12-05T12:00:00Z', { amount: 300, currency: 'CHF' }),
  row('2026-12-05T22:59:59Z', { amount: 5 }), // 23:59:59 in Paris: the last of the day
  row('2026-12-05T23:00:00Z', { amount: 7000 }), // 6 Dec in Paris
];

t.test('Z-report totals of a day in the merchant time zone, across the UTC day boundary', async (t) => {
  const z = zReport(journal, { date: '2026-12-05', timeZone: 'Europe/Paris', terminalId: 'T-1' });
  t.same(z, {
    terminalId: 'T-1',
    date: '2026-12-05',
    timeZone: 'Europe/Paris',
    from: '2026-12-04T23:00:00.000Z',
    to: '2026-12-05T23:00:00.000Z',
    records: 6,
    currencies: [
      { currency: 'CHF', approved: { count: 1, amount: 300 }, declined: { count: 0, amount: 0 }, adjustments: { void: { count: 0, amount: 0 }, refund: { count: 0, amount: 0 } }, net: 300 },
      { currency: 'EUR', approved: { count: 3, amount: 450 + 1250 + 5 }, declined: { count: 1, amount: 999 }, adjustments: { void: { count: 0, amount: 0 }, refund: { count: 0, amount: 0 } }, net: 1705 },
    ],
    declinedWithoutCurrency: 1,
    first: { index: 2, time: '2026-12-04T23:00:00.000Z', timeMs: at('2026-12-04T23:00:00Z') },
    last: { index: 7, time: '2026-12-05T22:59:59.000Z', timeMs: at('2026-12-05T22:59:59Z') },
  });
  const utc = zReport(journal, { date: '2026-12-05', timeZone: 'UTC', terminalId: 'T-1' });
  t.match(utc, { records: 6, first: { index: 3 }, last: { index: 8 } }, 'the same journal read in UTC has another day');
  t.equal(utc.currencies.find((c) => c.currency === 'EUR')?.approved.amount, 1250 + 5 + 7000);
  t.match(zReport(journal, { date: '2026-12-06', timeZone: 'Europe/Paris', terminalId: 'T-1' }), { records: 1, first: { index: 8 }, last: { index: 8 } });
  t.same(zReport(journal, { date: '2026-12-07', timeZone: 'Europe/Paris', terminalId: 'T-1' }), { terminalId: 'T-1', date: '2026-12-07', timeZone: 'Europe/Paris', from: '2026-12-06T23:00:00.000Z', to: '2026-12-07T23:00:00.000Z', records: 0, currencies: [], declinedWithoutCurrency: 0, first: null, last: null });
  t.throws(() => zReport(journal, { date: '2026-02-30', timeZone: 'UTC', terminalId: 'T-1' }), { code: 'USAGE' });
  t.equal(localDate(at('2026-12-04T23:30:00Z'), 'Europe/Paris'), '2026-12-05');
  t.equal(localDate(at('2026-12-04T23:30:00Z'), 'UTC'), '2026-12-04');
});

t.test('voids and refunds are adjustments counted on their own day, taken off the net', async (t) => {
  const adjust = (iso: string, kind: keyof typeof ADJUSTMENT, amount: number, of: JournalRow): JournalRow =>
    row(iso, { amount, seq: null, adjustment: ADJUSTMENT[kind], original: of.txId });
  const adjustments = [
    adjust('2026-12-05T09:20:00Z', 'void', 1250, journal[2]!), // index 9
    adjust('2026-12-05T20:00:00Z', 'refund', 100, journal[1]!), // index 10
    adjust('2026-12-06T08:00:00Z', 'refund', 450, journal[1]!), // index 11, the next day
  ];
  const z = zReport([...journal, ...adjustments], { date: '2026-12-05', timeZone: 'Europe/Paris', terminalId: 'T-1' });
  t.match(z.currencies.find((c) => c.currency === 'EUR'), { approved: { count: 3, amount: 1705 }, adjustments: { void: { count: 1, amount: 1250 }, refund: { count: 1, amount: 100 } }, net: 1705 - 1250 - 100 });
  t.match(z, { records: 8, last: { index: 10 } });
});

t.test('the printed Z-report: labels in the merchant language, amounts formatted, ESC/POS the emulator reads', async (t) => {
  const z = zReport(journal, { date: '2026-12-05', timeZone: 'Europe/Paris', terminalId: 'T-1' });
  const slip = zSlip(z, { merchantName: 'Café Lumière', merchantLines: ['M-1 · T-1'], language: 'fr', at: at('2026-12-05T23:30:00Z') });
  const bytes = encodeReport(slip, { paperWidth: 58 });
  const r = renderEscPos(bytes, 384);
  t.same(r.unknown, []);
  t.equal(r.cuts, 1);
  const text = r.lines.join('\n');
  t.match(text, /RAPPORT Z 2026-12-05/);
  t.match(text, /Café Lumière/);
  t.match(text, /Terminal +T-1/);
  t.match(text, /Acceptés \(1\) +3,00 CHF/);
  t.match(text, /Acceptés \(3\) +17,05 EUR/);
  t.match(text, /Refusés \(1\) +9,99 EUR/);
  t.match(text, /NET +17,05 EUR/);
  t.match(text, /Premier n° 2 +00:00:00/, 'the first record at midnight, Paris time');
  t.match(text, /Dernier n° 7 +23:59:59/);
  t.ok(r.lines.every((l) => l.length <= 32), 'every line fits 58 mm paper');
  const es = renderEscPos(encodeReport(zSlip(zReport([], { date: '2026-12-05', timeZone: 'UTC', terminalId: 'T-1' }), { merchantName: 'Tienda', language: 'es', at: 0 })), 576).lines;
  t.ok(es.includes('INFORME Z 2026-12-05') && es.includes('Sin transacciones'), 'an empty day says so, in Spanish');
});
