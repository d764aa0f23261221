// Client-chosen transfer ids: new, a retry of the same transfer, or a reused id.
import t from 'tap';
import { isRetry } from './idempotency.js';

const fund = { kind: 'fund', credit: 'alice', amount: 500 };

t.test('a new id, a retry, and an id reused for another transfer', async (t) => {
  t.equal(isRetry('fund:b1', undefined, fund), false);
  t.equal(isRetry('fund:b1', { ...fund }, fund), true);
  for (const other of [{ amount: 501 }, { credit: 'bob' }, { kind: 'reserve' }]) {
    t.throws(() => isRetry('fund:b1', { ...fund, ...other }, fund), { code: 'ALREADY_EXISTS' }, JSON.stringify(other));
  }
});
