// Bench: how long `audit` takes over a PostgreSQL ledger of 1,000,000 settlements, against one plain read of the same tables.
import pg from 'pg';
import { PgLedger } from '../backoffice/ledger-pg/pg-ledger.js';
import { startPostgres } from '../test/support/postgres.js';
import { latencyRow, type BenchRow } from './types.js';

const SETTLEMENTS = Number(process.env.BENCH_AUDIT_SETTLEMENTS ?? 1_000_000);
const PURSES = 10_000;
const MERCHANTS = 100;
const TERMINALS = 200;
const CAP = 1_000_000;
const AMOUNT = 100;

/**
 * The fixture, written set-based straight into a freshly migrated database (clearing 1,000,000
 * signed records would take the bench an hour): PURSES funded customers with a purse each, and
 * SETTLEMENTS settle transfers spread over the purses (seq 1, 2, … per purse), merchants and
 * terminals, each with its two postings and its settlement row, the purses' spent to match. Every
 * audit invariant holds. Journal records are not written (the audit does not read them). Foreign-key
 * triggers are off for the load only (session_replication_role, a superuser setting of the bench's
 * own server); the audit then checks what they would have. VACUUM ANALYZE leaves the tables as
 * autovacuum would on a production server.
 */
const SEED = [
  `INSERT INTO accounts (id, kind, currency, created_at) VALUES ('external:funding', 'external', 'EUR', 0)`,
  `INSERT INTO accounts (id, kind, currency, created_at) SELECT 'c' || i, 'customer', 'EUR', 0 FROM generate_series(1, ${PURSES}) i`,
  `INSERT INTO accounts (id, kind, currency, created_at) SELECT 'purse:P' || i, 'purse', 'EUR', 0 FROM generate_series(1, ${PURSES}) i`,
  `INSERT INTO accounts (id, kind, currency, created_at, merchant_id) SELECT 'merchant:M' || i, 'merchant', 'EUR', 0, 'M' || i FROM generate_series(0, ${MERCHANTS - 1}) i`,
  `INSERT INTO transfers (id, kind, debit, credit, amount, ref, created_at) OVERRIDING SYSTEM VALUE
     SELECT i, 'fund', 'external:funding', 'c' || i, ${CAP}, 'seed', 0 FROM generate_series(1, ${PURSES}) i`,
  `INSERT INTO transfers (id, kind, debit, credit, amount, ref, created_at) OVERRIDING SYSTEM VALUE
     SELECT ${PURSES} + i, 'reserve', 'c' || i, 'purse:P' || i, ${CAP}, 'P' || i, 0 FROM generate_series(1, ${PURSES}) i`,
  `INSERT INTO transfers (id, kind, debit, credit, amount, ref, created_at, idem) OVERRIDING SYSTEM VALUE
     SELECT ${2 * PURSES} + k, 'settle', 'purse:P' || ((k - 1) % ${PURSES} + 1), 'merchant:M' || (k % ${MERCHANTS}), ${AMOUNT}, 'tx' || k, 0, 'settle:tx' || k
     FROM generate_series(1, ${SETTLEMENTS}) k`,
  `SELECT setval(pg_get_serial_sequence('transfers', 'id'), ${2 * PURSES + SETTLEMENTS})`,
  `INSERT INTO postings (transfer_id, account, amount) SELECT id, debit, -amount FROM transfers UNION ALL SELECT id, credit, amount FROM transfers`,
  `INSERT INTO purses (purse_id, account, currency, cap, per_payment_limit, wallet_key, not_before, not_after, cert, spent, created_at)
     SELECT 'P' || i, 'c' || i, 'EUR', ${CAP}, 1000, 'wk', 0, 2000000000, 'TK1',
       ${AMOUNT} * (${SETTLEMENTS} / ${PURSES} + CASE WHEN i <= ${SETTLEMENTS} % ${PURSES} THEN 1 ELSE 0 END), 0
     FROM generate_series(1, ${PURSES}) i`,
  `INSERT INTO settlements (tx_id, purse_id, seq, cumulative, authorised, amount, terminal_id, merchant_id, chain, idx, payment, transfer_id, settled_at)
     SELECT 'tx' || k, 'P' || ((k - 1) % ${PURSES} + 1), (k - 1) / ${PURSES} + 1, ((k - 1) / ${PURSES} + 1) * ${AMOUNT}, ${AMOUNT}, ${AMOUNT},
       'T' || (k % ${TERMINALS}), 'M' || (k % ${MERCHANTS}), 1, k, '\\x00'::bytea, ${2 * PURSES} + k, 0
     FROM generate_series(1, ${SETTLEMENTS}) k`,
];

/** The floor: one plain read of every row the audit's checks read (postings, transfers, settlements, purses), same snapshot kind. */
const FLOOR_SQL = `SELECT (SELECT sum(amount) FROM postings) AS p, (SELECT sum(amount) FROM transfers) AS t,
  (SELECT sum(amount) FROM settlements) AS s, (SELECT sum(spent) FROM purses) AS u`;

export async function run(): Promise<BenchRow[]> {
  const server = await startPostgres();
  try {
    const url = await server.createDatabase('bench_audit');
    const ledger = await PgLedger.open(url);
    try {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        process.stderr.write(`audit: seeding ${SETTLEMENTS} settlements…\n`);
        const t0 = performance.now();
        await c.query('BEGIN');
        await c.query('SET LOCAL session_replication_role = replica');
        for (const sql of SEED) await c.query(sql);
        await c.query('COMMIT');
        await c.query('VACUUM ANALYZE');
        process.stderr.write(`audit: seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
        // Floor and audit alternate, twice each: the better of two, so a neighbour's burst hits neither alone.
        let floor = Infinity;
        let audit = Infinity;
        for (let round = 0; round < 2; round++) {
          const f0 = performance.now();
          await c.query(FLOOR_SQL);
          floor = Math.min(floor, performance.now() - f0);
          const a0 = performance.now();
          const r = await ledger.audit();
          audit = Math.min(audit, performance.now() - a0);
          if (!r.ok || r.settlements !== SETTLEMENTS) throw new Error(`bench: the seeded ledger does not audit: ${r.settlements} settlements; ${r.problems.join('; ')}`);
        }
        return [latencyRow(`audit over ${SETTLEMENTS.toLocaleString('en')} settlements, PostgreSQL`, audit, floor, 'one plain read of postings, transfers, settlements and purses (same server)')];
      } finally {
        await c.end();
      }
    } finally {
      await ledger.close();
    }
  } finally {
    await server.close();
  }
}
