// A calendar day in a time zone: midnight to midnight in that zone, 23 or 25 hours across DST changes.
import t from 'tap';
import { dayRange } from './day.js';

t.test('a day is local midnight to local midnight', async (t) => {
  t.same(dayRange('2027-01-15'), { date: '2027-01-15', timeZone: 'UTC', from: Date.UTC(2027, 0, 15) / 1000, to: Date.UTC(2027, 0, 16) / 1000 });
  t.match(dayRange('2027-01-15', 'Europe/Paris'), { from: Date.UTC(2027, 0, 14, 23) / 1000, to: Date.UTC(2027, 0, 15, 23) / 1000 });
  t.match(dayRange('2027-01-15', 'Asia/Kolkata'), { from: Date.UTC(2027, 0, 14, 18, 30) / 1000 }, 'half-hour offsets');
  t.match(dayRange('2027-12-31', 'Pacific/Kiritimati'), { from: Date.UTC(2027, 11, 30, 10) / 1000, to: Date.UTC(2027, 11, 31, 10) / 1000 }, 'UTC+14, across the year');
});

t.test('days when the clocks change are 23 or 25 hours long', async (t) => {
  const spring = dayRange('2027-03-14', 'America/New_York');
  t.equal(spring.from, Date.UTC(2027, 2, 14, 5) / 1000);
  t.equal(spring.to - spring.from, 23 * 3600);
  const autumn = dayRange('2027-10-31', 'Europe/Paris');
  t.equal(autumn.to - autumn.from, 25 * 3600);
});

t.test('bad dates and zones are refused', async (t) => {
  for (const d of ['2027-02-29', '2027-13-01', '27-01-01', '2027-1-1', '']) t.throws(() => dayRange(d), { code: 'USAGE' }, d);
  t.throws(() => dayRange('2027-01-15', 'Nowhere/Town'), { code: 'USAGE' });
});
