// The back office's headline figures (settlements, fraud cases, incidents, backlog, clearing lag), read in one snapshot: /v1/overview and /metrics.
import type { Ledger } from './ledger.js';
import { one } from './ops/db.js';
import { ledgerCurrency, num } from './ops/view.js';

export interface Figures {
  currency: string;
  settlements: { count: number; amount: number };
  fraudCases: { open: number; resolved: number };
  /** Incident rows and the occurrences they stand for. */
  incidents: { rows: number; occurrences: number };
  terminals: number;
  purses: { active: number; reserved: number };
  denylist: { purses: number; version: number; unpublished: number };
  /** Journal records received but held behind a gap (waiting for earlier ones). */
  held: number;
  clearing: {
    /** When clearing last recorded a journal record (Unix seconds; null before the first). */
    lastProcessedAt: number | null;
    /** How late that record reached clearing: processed − terminal time, seconds. */
    lagSeconds: number | null;
  };
}

export async function readFigures(ledger: Ledger): Promise<Figures> {
  const r = await ledger.operations().read(function* () {
    return {
      settled: yield* one('SELECT count(*) AS n, CAST(coalesce(sum(amount), 0) AS BIGINT) AS s FROM settlements'),
      cases: yield* one('SELECT count(*) AS n FROM fraud_cases'),
      resolved: yield* one('SELECT count(*) AS n FROM fraud_resolutions'),
      incidents: yield* one('SELECT count(*) AS n, CAST(coalesce(sum(count), 0) AS BIGINT) AS s FROM incidents'),
      terminals: yield* one('SELECT count(*) AS n FROM terminals'),
      purses: yield* one("SELECT count(*) AS n, CAST(coalesce(sum(cap - spent), 0) AS BIGINT) AS s FROM purses WHERE status = 'active'"),
      held: yield* one('SELECT count(*) AS n FROM held'),
      last: yield* one('SELECT processed_at, time FROM records ORDER BY processed_at DESC LIMIT 1'),
      currency: yield* ledgerCurrency(),
    };
  });
  const deny = await ledger.denyList();
  const cases = num(r.cases ?? {}, 'n');
  const resolved = num(r.resolved ?? {}, 'n');
  return {
    currency: r.currency,
    settlements: { count: num(r.settled ?? {}, 'n'), amount: num(r.settled ?? {}, 's') },
    fraudCases: { open: cases - resolved, resolved },
    incidents: { rows: num(r.incidents ?? {}, 'n'), occurrences: num(r.incidents ?? {}, 's') },
    terminals: num(r.terminals ?? {}, 'n'),
    purses: { active: num(r.purses ?? {}, 'n'), reserved: num(r.purses ?? {}, 's') },
    denylist: { purses: deny.purseIds.length, version: deny.version, unpublished: deny.unpublished },
    held: num(r.held ?? {}, 'n'),
    clearing: r.last ? { lastProcessedAt: num(r.last, 'processed_at'), lagSeconds: num(r.last, 'processed_at') - num(r.last, 'time') } : { lastProcessedAt: null, lagSeconds: null },
  };
}
