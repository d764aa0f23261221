// Incident bounding: one row per (terminal, kind, batch) with a count, and a per-terminal cap per time window.
import type Database from 'better-sqlite3';
import type { Incident, IncidentKind, IncidentReport } from './ledger.js';

/** The window over which a terminal's incident rows are capped (seconds). */
export const INCIDENT_WINDOW = 3_600;
/**
 * Rows one terminal may add per window. Past it, each new report merges into the terminal's latest
 * row of the same kind in the window (or opens one row for a kind not seen yet), so a flood of bad
 * batches costs a counter update, not a row: at most INCIDENT_CAP + one per kind per window.
 */
export const INCIDENT_CAP = 100;
/** Unknown terminal ids are unbounded (any topic id), so their cap is fleet-wide. */
const ANY_TERMINAL = 'unknown-terminal';

/** Collects one batch's incidents: one report per kind, counting occurrences and their index range. */
export class IncidentTally {
  private readonly byKind = new Map<IncidentKind, IncidentReport>();

  constructor(
    private readonly terminalId: string,
    private readonly at: number,
  ) {}

  add(kind: IncidentKind, index: number | null, detail: string): void {
    const r = this.byKind.get(kind);
    if (!r) {
      this.byKind.set(kind, { terminalId: this.terminalId, kind, index, lastIndex: index, count: 1, detail, at: this.at });
      return;
    }
    r.count += 1;
    if (index !== null) {
      r.index = r.index === null ? index : Math.min(r.index, index);
      r.lastIndex = r.lastIndex === null ? index : Math.max(r.lastIndex, index);
    }
  }

  get reports(): IncidentReport[] {
    return [...this.byKind.values()];
  }
}

type Row = Record<string, unknown>;

/** Stores one report inside the caller's transaction, merging it once the terminal is over its cap. */
export function storeIncident(db: Database.Database, i: IncidentReport): void {
  const since = i.at - INCIDENT_WINDOW;
  const fleetWide = i.kind === ANY_TERMINAL;
  const recent = (
    fleetWide
      ? db.prepare('SELECT count(*) AS n FROM incidents WHERE kind = ? AND at > ?').get(i.kind, since)
      : db.prepare('SELECT count(*) AS n FROM incidents WHERE terminal_id = ? AND at > ?').get(i.terminalId, since)
  ) as Row;
  if ((recent.n as number) >= INCIDENT_CAP) {
    const target = (
      fleetWide
        ? db.prepare('SELECT id FROM incidents WHERE kind = ? AND at > ? ORDER BY id DESC LIMIT 1').get(i.kind, since)
        : db.prepare('SELECT id FROM incidents WHERE terminal_id = ? AND kind = ? AND at > ? ORDER BY id DESC LIMIT 1').get(i.terminalId, i.kind, since)
    ) as Row | undefined;
    if (target) {
      db.prepare(
        `UPDATE incidents SET count = count + ?, last_at = ?,
           idx = min(coalesce(idx, ?), coalesce(?, idx)), last_idx = max(coalesce(last_idx, ?), coalesce(?, last_idx)) WHERE id = ?`,
      ).run(i.count, i.at, i.index, i.index, i.lastIndex, i.lastIndex, target.id);
      return;
    }
  }
  db.prepare('INSERT INTO incidents (terminal_id, idx, last_idx, count, kind, detail, at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(...incidentParams(i), i.at);
}

/** A new incident row's values in column order (terminal_id, idx, last_idx, count, kind, detail, at), for every backend. */
export const incidentParams = (i: IncidentReport): unknown[] => [i.terminalId, i.index, i.lastIndex, i.count, i.kind, i.detail, i.at];

export function incidentOf(r: Row): Incident {
  return {
    id: r.id as number,
    terminalId: r.terminal_id as string,
    index: (r.idx as number | null) ?? null,
    lastIndex: (r.last_idx as number | null) ?? null,
    count: r.count as number,
    kind: r.kind as IncidentKind,
    detail: r.detail as string,
    at: r.at as number,
    lastAt: r.last_at as number,
  };
}

/** "3" for one record, "3..5000" for a range, "-" for none. */
export function indexRange(i: Pick<Incident, 'index' | 'lastIndex'>): string {
  if (i.index === null) return '-';
  return i.lastIndex === null || i.lastIndex === i.index ? String(i.index) : `${i.index}..${i.lastIndex}`;
}
