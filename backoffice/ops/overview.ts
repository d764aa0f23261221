// The operator's overview figures (dashboard front page): fleet, purses, money settled in the last day, fraud and incidents.
import type { Ledger } from '../ledger.js';
import { one } from './db.js';
import { ledgerCurrency, money, num, type Money } from './view.js';

export interface Overview {
  at: number;
  terminals: number;
  purses: { active: number; reserved: Money };
  /** Settled in the 24 hours before `at` (by settlement time). */
  lastDay: { settlements: number; amount: Money; incidents: number };
  fraud: { open: number; openAmount: Money; resolved: number };
  denylist: { size: number };
}

export async function overview(ledger: Ledger, i: { now: number }): Promise<Overview> {
  const since = i.now - 86_400;
  const r = await ledger.operations().read(function* () {
    const n = function* (sql: string, params: unknown[] = []) {
      return (yield* one(sql, params)) ?? {};
    };
    return {
      terminals: yield* n('SELECT count(*) AS n FROM terminals'),
      // An active purse reserves cap − spent (audit checks spent against the settlements).
      purses: yield* n("SELECT count(*) AS n, CAST(coalesce(sum(cap - spent), 0) AS BIGINT) AS s FROM purses WHERE status = 'active'"),
      settled: yield* n('SELECT count(*) AS n, CAST(coalesce(sum(amount), 0) AS BIGINT) AS s FROM settlements WHERE settled_at >= ?', [since]),
      incidents: yield* n('SELECT CAST(coalesce(sum(count), 0) AS BIGINT) AS n FROM incidents WHERE last_at >= ?', [since]),
      open: yield* n('SELECT count(*) AS n, CAST(coalesce(sum(f.amount), 0) AS BIGINT) AS s FROM fraud_cases f WHERE NOT EXISTS (SELECT 1 FROM fraud_resolutions x WHERE x.case_id = f.id)'),
      resolved: yield* n('SELECT count(*) AS n FROM fraud_resolutions'),
      denied: yield* n('SELECT count(*) AS n FROM denylist'),
      currency: yield* ledgerCurrency(),
    };
  });
  const c = r.currency;
  return {
    at: i.now,
    terminals: num(r.terminals, 'n'),
    purses: { active: num(r.purses, 'n'), reserved: money(num(r.purses, 's'), c) },
    lastDay: { settlements: num(r.settled, 'n'), amount: money(num(r.settled, 's'), c), incidents: num(r.incidents, 'n') },
    fraud: { open: num(r.open, 'n'), openAmount: money(num(r.open, 's'), c), resolved: num(r.resolved, 'n') },
    denylist: { size: num(r.denied, 'n') },
  };
}
