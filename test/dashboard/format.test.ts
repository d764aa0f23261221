// The dashboard's money and time formatting: minor units exact, the exponent from Intl per currency, typed amounts parsed strictly.
import t from 'tap';
import { ago, decimal, minorUnits, money, parseMoney, split } from '../../dashboard/src/format.js';

t.test('the number of decimals comes from Intl for each ISO 4217 currency', async (t) => {
  t.equal(minorUnits('EUR'), 2);
  t.equal(minorUnits('JPY'), 0);
  t.equal(minorUnits('BHD'), 3);
  t.equal(minorUnits('CLP'), 0);
});

t.test('minor units format exactly, in the currency of the amount', async (t) => {
  const en = (s: string) => s.replace(/\u00a0/g, ' ');
  t.match(en(money(340, 'EUR')), /3\.40|3,40/);
  t.match(en(money({ amount: 1500, currency: 'JPY' })), /1,500|1 500|1\.500/, 'yen have no minor unit: 1500 is ¥1,500');
  t.match(en(money({ amount: 1234, currency: 'BHD' })), /1\.234|1,234/, 'three decimals for the Bahraini dinar');
  t.equal(decimal(9_007_199_254_740_991, 2), '90071992547409.91', 'the largest safe integer keeps every digit');
  t.equal(decimal(-5, 2), '-0.05');
  t.equal(decimal(7, 0), '7');
  t.equal(money(null), '—');
  t.same(split({ amount: 5, currency: 'USD' }), { minor: 5, currency: 'USD' });
  t.same(split(5, 'GBP'), { minor: 5, currency: 'GBP' });
});

t.test('typed amounts: more decimals than the currency has, or junk, are refused', async (t) => {
  t.equal(parseMoney('12.50', 'EUR'), 1250);
  t.equal(parseMoney('12,5', 'EUR'), 1250);
  t.equal(parseMoney('3', 'EUR'), 300);
  t.equal(parseMoney('1.005', 'EUR'), undefined, 'a tenth of a cent is not an amount');
  t.equal(parseMoney('1500', 'JPY'), 1500);
  t.equal(parseMoney('15.5', 'JPY'), undefined);
  t.equal(parseMoney('1.234', 'BHD'), 1234);
  t.equal(parseMoney('-3', 'EUR'), undefined);
  t.equal(parseMoney('3e2', 'EUR'), undefined);
  t.equal(parseMoney('99999999999999999', 'EUR'), undefined, 'past the safe integers');
});

t.test('ages read as words', async (t) => {
  t.equal(ago(1_000, 1_030), '30 s ago');
  t.equal(ago(1_000, 1_000 + 600), '10 min ago');
  t.equal(ago(null), 'never');
});
