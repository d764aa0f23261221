// SIGHUP: re-reads terminal.json and applies the sections a running checkout reads per decision; the rest waits for a restart.
import type { TerminalConfig } from '../config.js';

/**
 * The checkout reads these on every request and decision, so swapping them is safe between two
 * decisions (Node runs one at a time). Everything else (identity files, database, control socket,
 * devices, sync, clock, log) is owned by a component that was built from it at start: changing it
 * under that component would leave half-applied state, so it is reported as needing a restart.
 */
export const RELOADABLE_SECTIONS = ['merchant', 'transit', 'limits'] as const;

export interface ReloadOutcome {
  /** Sections swapped in. */
  applied: string[];
  /** Sections that differ but only take effect after a restart. */
  restartNeeded: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Moves the reloadable sections of `next` into `running` (the object the daemon was started with); nothing else changes. */
export function applyReload(running: TerminalConfig, next: TerminalConfig): ReloadOutcome {
  const out: ReloadOutcome = { applied: [], restartNeeded: [] };
  const live = running as unknown as Record<string, unknown>;
  const fresh = next as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(live), ...Object.keys(fresh)])) {
    if (same(live[key], fresh[key])) continue;
    if ((RELOADABLE_SECTIONS as readonly string[]).includes(key)) {
      live[key] = fresh[key];
      out.applied.push(key);
    } else out.restartNeeded.push(key);
  }
  return out;
}
