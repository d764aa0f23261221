// The operator operations on both ledger backends: SQLite in a temp home, PostgreSQL on a real server this test starts.
import t from 'tap';
import { ledgerBackends } from '../support/postgres.js';
import { merchantListsSuite } from './merchant-lists-suite.js';
import { moneySuite } from './money-suite.js';
import { transactionsSuite } from './transactions-suite.js';

for (const backend of ledgerBackends(t)) {
  t.test(backend.name, async (t) => {
    transactionsSuite(t, backend);
    moneySuite(t, backend);
    merchantListsSuite(t, backend);
  });
}
