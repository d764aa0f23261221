// formatAmount: integer minor units, per-currency exponents, grouping, negatives.
import t from 'tap';
import { formatAmount } from './money.js';

t.test('formats by currency exponent without floats', async (t) => {
  t.equal(formatAmount(123456, 'EUR'), 'EUR 1,234.56');
  t.equal(formatAmount(5, 'USD'), 'USD 0.05');
  t.equal(formatAmount(0, 'GBP'), 'GBP 0.00');
  t.equal(formatAmount(1000, 'JPY'), 'JPY 1,000');
  t.equal(formatAmount(250050, 'KES'), 'KES 2,500.50');
  t.equal(formatAmount(100000000, 'INR'), 'INR 1,000,000.00');
  t.equal(formatAmount(-1995, 'chf'), 'CHF -19.95');
  t.equal(formatAmount(9007199254740991, 'EUR'), 'EUR 90,071,992,547,409.91', 'largest safe integer is exact');
  t.throws(() => formatAmount(1.5, 'EUR'), RangeError);
});
