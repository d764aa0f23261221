// Ledger invariants as queries both backends run: each names what it found wrong, so the audit can fail.
import type { Row } from './ledger-rows.js';

/** What `audit` found: ok only when no check returned a row. */
export interface LedgerAudit {
  ok: boolean;
  /** Sum of every posting (0 in a consistent double-entry ledger). */
  postingsSum: number;
  settlements: number;
  /** One line per violation found (at most AUDIT_LIMIT per check). */
  problems: string[];
}

export const AUDIT_LIMIT = 20;

/** The money tables: rows are only ever added (UPDATE and DELETE are refused by triggers). */
export const APPEND_ONLY_TABLES = ['transfers', 'postings', 'settlements'] as const;

export interface AuditCheck {
  sql: string;
  problem(r: Row): string;
}

/** Portable SQL (SQLite and PostgreSQL). Every query returns the rows that break its invariant. */
export const AUDIT_CHECKS: readonly AuditCheck[] = [
  {
    sql: 'SELECT transfer_id, count(*) AS n, sum(amount) AS s FROM postings GROUP BY transfer_id HAVING count(*) <> 2 OR sum(amount) <> 0 ORDER BY transfer_id',
    problem: (r) => `transfer ${String(r.transfer_id)}: ${String(r.n)} postings summing to ${String(r.s)} (want 2 summing to 0)`,
  },
  {
    sql: `SELECT t.id, d.currency AS dc, c.currency AS cc FROM transfers t JOIN accounts d ON d.id = t.debit JOIN accounts c ON c.id = t.credit
          WHERE d.currency <> c.currency ORDER BY t.id`,
    problem: (r) => `transfer ${String(r.id)} moves ${String(r.dc)} into ${String(r.cc)}`,
  },
  {
    sql: 'SELECT t.id FROM transfers t WHERE NOT EXISTS (SELECT 1 FROM postings p WHERE p.transfer_id = t.id) ORDER BY t.id',
    problem: (r) => `transfer ${String(r.id)} has no postings`,
  },
  {
    sql: `SELECT s.tx_id FROM settlements s LEFT JOIN transfers t ON t.id = s.transfer_id
          WHERE t.id IS NULL OR t.kind <> 'settle' OR t.ref <> s.tx_id OR t.amount <> s.amount ORDER BY s.tx_id`,
    problem: (r) => `settlement ${String(r.tx_id)} does not match its transfer`,
  },
  {
    sql: "SELECT ref, count(*) AS n FROM transfers WHERE kind = 'settle' GROUP BY ref HAVING count(*) <> 1 ORDER BY ref",
    problem: (r) => `txId ${String(r.ref)} is settled by ${String(r.n)} transfers`,
  },
  {
    sql: "SELECT t.ref FROM transfers t WHERE t.kind = 'settle' AND NOT EXISTS (SELECT 1 FROM settlements s WHERE s.transfer_id = t.id) ORDER BY t.ref",
    problem: (r) => `settle transfer for ${String(r.ref)} has no settlement`,
  },
  {
    sql: `SELECT p.purse_id, p.spent, coalesce((SELECT sum(s.amount) FROM settlements s WHERE s.purse_id = p.purse_id), 0) AS settled
          FROM purses p WHERE p.spent <> coalesce((SELECT sum(s.amount) FROM settlements s WHERE s.purse_id = p.purse_id), 0) ORDER BY p.purse_id`,
    problem: (r) => `purse ${String(r.purse_id)}: spent ${String(r.spent)} but settlements sum to ${String(r.settled)}`,
  },
];

/** Sum of all postings: a nonzero sum is a problem of its own. */
export const POSTINGS_SUM_SQL = 'SELECT coalesce(sum(amount), 0) AS s FROM postings';
export const SETTLEMENT_COUNT_SQL = 'SELECT count(*) AS n FROM settlements';

/** Runs every check with `query` (a backend's "all rows of this SQL"), and adds `extra` (backend-specific checks). */
export async function runAudit(query: (sql: string) => Promise<Row[]>, extra: readonly AuditCheck[] = []): Promise<LedgerAudit> {
  const problems: string[] = [];
  const postingsSum = Number((await query(POSTINGS_SUM_SQL))[0]?.s ?? 0);
  if (postingsSum !== 0) problems.push(`all postings sum to ${postingsSum}, not 0`);
  for (const check of [...AUDIT_CHECKS, ...extra]) {
    problems.push(...(await query(`${check.sql} LIMIT ${AUDIT_LIMIT}`)).map((r) => check.problem(r)));
  }
  const settlements = Number((await query(SETTLEMENT_COUNT_SQL))[0]?.n ?? 0);
  return { ok: problems.length === 0, postingsSum, settlements, problems };
}
