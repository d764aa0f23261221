// The back-office API's resources on both ledger backends: SQLite in a temp home, PostgreSQL on a real server this test starts.
import t from 'tap';
import { ledgerBackends } from '../support/postgres.js';
import { resourcesSuite } from './resources-suite.js';

for (const backend of ledgerBackends(t)) {
  t.test(backend.name, async (t) => resourcesSuite(t, backend));
}
