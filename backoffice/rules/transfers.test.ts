// Transfer rules: client-chosen ids (new, a retry, a reused id) and one currency on both sides.
import t from 'tap';
import { assertSameCurrency, isRetry } from './transfers.js';

const fund = { kind: 'fund', credit: 'alice', amount: 500 };

t.test('a new id, a retry, and an id reused for another transfer', async (t) => {
  t.equal(isRetry('fund:b1', undefined, fund), false);
  t.equal(isRetry('fund:b1', { ...fund }, fund), true);
  for (const other of [{ amount: 501 }, { credit: 'bob' }, { kind: 'reserve' }]) {
    t.throws(() => isRetry('fund:b1', { ...fund, ...other }, fund), { code: 'ALREADY_EXISTS' }, JSON.stringify(other));
  }
});

t.test('both sides of a transfer in one currency', async (t) => {
  const eur = { id: 'a', currency: 'EUR' };
  t.doesNotThrow(() => assertSameCurrency('a', 'b', [eur, { id: 'b', currency: 'EUR' }]));
  t.throws(() => assertSameCurrency('a', 'b', [eur, { id: 'b', currency: 'USD' }]), { code: 'CURRENCY_MISMATCH' });
  t.throws(() => assertSameCurrency('a', 'b', [eur]), { code: 'NOT_FOUND' });
});
