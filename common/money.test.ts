// formatAmount/parseAmount: ISO 4217 exponents from ICU (0 for ISK, CLP, VND, UGX; 3 for JOD, OMR, TND), exact, localised.
import t from 'tap';
import { amountText, currencyExponent, formatAmount, isCurrency, parseAmount } from './money.js';

t.test('Node\'s ICU gives the ISO 4217 exponents the old table got wrong', async (t) => {
  for (const c of ['ISK', 'CLP', 'VND', 'UGX', 'JPY', 'KRW']) t.equal(currencyExponent(c), 0, c);
  for (const c of ['JOD', 'OMR', 'TND', 'BHD', 'KWD']) t.equal(currencyExponent(c), 3, c);
  for (const c of ['EUR', 'USD', 'GBP', 'CHF']) t.equal(currencyExponent(c), 2, c);
  t.throws(() => currencyExponent('ABC'), { code: 'API_BAD_REQUEST' }, 'a made-up code is not a currency');
  t.notOk(isCurrency('XXX'));
  t.notOk(isCurrency('eur'), 'codes are upper case');
  t.ok(isCurrency('ISK'));
});

t.test('formats integer minor units by the currency exponent, exactly', async (t) => {
  t.equal(formatAmount(123456, 'EUR'), 'EUR 1,234.56');
  t.equal(formatAmount(5, 'USD'), 'USD 0.05');
  t.equal(formatAmount(0, 'GBP'), 'GBP 0.00');
  t.equal(formatAmount(1000, 'ISK'), 'ISK 1,000');
  t.equal(formatAmount(1000, 'CLP'), 'CLP 1,000');
  t.equal(formatAmount(25000, 'VND'), 'VND 25,000');
  t.equal(formatAmount(1000, 'UGX'), 'UGX 1,000');
  t.equal(formatAmount(1000, 'JOD'), 'JOD 1.000');
  t.equal(formatAmount(12345, 'OMR'), 'OMR 12.345');
  t.equal(formatAmount(7, 'TND'), 'TND 0.007');
  t.equal(formatAmount(-1995, 'chf'), '-CHF 19.95');
  t.equal(formatAmount(9007199254740991, 'EUR'), 'EUR 90,071,992,547,409.91', 'largest safe integer is exact');
  t.throws(() => formatAmount(1.5, 'EUR'), RangeError);
});

t.test('formats in the merchant\'s language with plain spaces', async (t) => {
  t.equal(formatAmount(123456, 'EUR', 'fr'), '1 234,56 EUR');
  t.equal(formatAmount(340, 'EUR', 'es'), '3,40 EUR');
  t.equal(formatAmount(123456, 'EUR', 'de'), '1.234,56 EUR');
  t.notMatch(formatAmount(123456, 'EUR', 'fr'), /[\u00a0\u202f]/);
});

t.test('parses major units by the same exponent and refuses extra decimals', async (t) => {
  t.equal(parseAmount('4.50', 'EUR'), 450);
  t.equal(parseAmount('4,5', 'EUR'), 450);
  t.equal(parseAmount('1000', 'ISK'), 1000);
  t.equal(parseAmount('10.5', 'ISK'), undefined, 'ISK has no minor unit');
  t.equal(parseAmount('1.234', 'JOD'), 1234);
  t.equal(parseAmount('1.2345', 'JOD'), undefined);
  t.equal(parseAmount('12', 'JOD'), 12000);
  t.equal(parseAmount('450', 'EUR', true), 450);
  t.equal(parseAmount('4.50', 'EUR', true), undefined);
  t.equal(parseAmount('abc', 'EUR'), undefined);
  for (const [minor, c] of [[1000, 'ISK'], [1234, 'JOD'], [450, 'EUR']] as const) {
    t.equal(parseAmount(formatAmount(minor, c).replace(/^[A-Z]{3} /, '').replace(/,/g, ''), c), minor, `${c} round trip`);
  }
});

t.test('amountText never throws on a code from outside', async (t) => {
  t.equal(amountText(450, 'EUR'), 'EUR 4.50');
  t.equal(amountText(450, 'EUR', 'fr'), '4,50 EUR');
  t.equal(amountText(450, 'ZZZ'), '450 ZZZ (minor units)');
  t.equal(amountText(450, null), '450 (minor units)');
});
