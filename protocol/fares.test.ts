// Fare lookup by zone and local time band.
import t from 'tap';
import { fareFor, localMinute } from './fares.js';
import type { TerminalConfigBody } from './objects.js';

const cfg: TerminalConfigBody = {
  currency: 'EUR',
  operatorId: 'OP',
  zone: 2,
  utcOffsetMinutes: 60,
  fares: [
    { zone: 1, fromMinute: 0, toMinute: 1440, fare: 100 },
    { zone: 2, fromMinute: 420, toMinute: 540, fare: 300 }, // 07:00–09:00 peak
    { zone: 0, fromMinute: 0, toMinute: 1440, fare: 200 },
  ],
};
const at = (h: number, m = 0) => Date.UTC(2027, 0, 15, h, m) / 1000;

t.test('local minute applies the UTC offset and wraps around midnight', async (t) => {
  t.equal(localMinute(at(0, 0), 0), 0);
  t.equal(localMinute(at(7, 30), 60), 8 * 60 + 30);
  t.equal(localMinute(at(23, 30), 60), 30, 'past midnight locally');
  t.equal(localMinute(at(0, 30), -60), 23 * 60 + 30, 'before midnight locally');
});

t.test('the first matching rule wins; bands are [from, to)', async (t) => {
  t.equal(fareFor(cfg, at(6, 0)), 300, '07:00 local is peak (start inclusive)');
  t.equal(fareFor(cfg, at(7, 59)), 300);
  t.equal(fareFor(cfg, at(8, 0)), 200, '09:00 local is off-peak (end exclusive)');
  t.equal(fareFor({ ...cfg, zone: 1 }, at(6, 30)), 100, 'zone 1 rule');
  t.equal(fareFor({ ...cfg, zone: undefined }, at(6, 30)), 200, 'no zone: only zone-0 rules');
  t.equal(fareFor({ ...cfg, fares: [] }, at(6, 30)), undefined, 'no rules, no fare');
  t.equal(fareFor({ ...cfg, fares: [{ zone: 3, fromMinute: 0, toMinute: 1440, fare: 1 }] }, at(6)), undefined, 'other zone only');
});
