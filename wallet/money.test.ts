// Amounts for people: minor units from Intl's ISO 4217 data, never a table; parsing what a person types.
import t from 'tap';
import { formatMoney, minorDigits, parseMoney } from './money.js';

t.test('minor units come from Intl', async (t) => {
  t.equal(minorDigits('EUR'), 2);
  t.equal(minorDigits('JPY'), 0);
  t.equal(minorDigits('BHD'), 3);
});

t.test('formats integer minor units', async (t) => {
  t.equal(formatMoney(230, 'EUR', 'en'), '€2.30', 'not "230 EUR"');
  t.equal(formatMoney(230, 'EUR', 'de'), '2,30\u00a0€');
  t.equal(formatMoney(230, 'JPY', 'en'), '¥230');
  t.equal(formatMoney(1234, 'BHD', 'en'), 'BHD\u00a01.234');
  t.equal(formatMoney(0, 'EUR', 'en'), '€0.00');
});

t.test('parses typed amounts into minor units', async (t) => {
  t.equal(parseMoney('2.30', 'EUR'), 230);
  t.equal(parseMoney('2,3', 'EUR'), 230);
  t.equal(parseMoney(' 50 ', 'EUR'), 5_000);
  t.equal(parseMoney('230', 'JPY'), 230);
  t.equal(parseMoney('2.301', 'EUR'), undefined, 'more decimals than the currency has');
  t.equal(parseMoney('1.5', 'JPY'), undefined);
  t.equal(parseMoney('abc', 'EUR'), undefined);
  t.equal(parseMoney('-1', 'EUR'), undefined);
});
