// Config file versions: an older file is migrated on load (in memory, and on disk by the next provisioning write); a newer one is refused.
import { TesseraError } from '#common';

/** The version this build writes and reads. Raise it with a migration below when a field moves or changes meaning. */
export const CONFIG_VERSION = 1;

interface Migration {
  from: number;
  /** What it changes, said when it is applied. */
  what: string;
  up: (c: Record<string, unknown>) => Record<string, unknown>;
}

// One step per version, applied in order. Version 0 is every file written before the config had a version.
const MIGRATIONS: readonly Migration[] = [{ from: 0, what: 'files without "version" are version 0; their fields are version 1\'s', up: (c) => ({ version: 1, ...c }) }];

export interface MigrationResult {
  config: unknown;
  from: number;
  to: number;
  /** One line per migration applied (empty when the file was current). */
  applied: string[];
}

/** Brings a parsed config object to CONFIG_VERSION; CONFIG_TOO_NEW for a file from a newer release (a downgrade). */
export function migrateConfig(value: unknown, source = 'config'): MigrationResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { config: value, from: CONFIG_VERSION, to: CONFIG_VERSION, applied: [] };
  const v = (value as { version?: unknown }).version ?? 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new TesseraError('CONFIG_INVALID', `${source}: version: expected a whole number, got ${JSON.stringify(v)}`, { details: { path: 'version' } });
  }
  if (v > CONFIG_VERSION) {
    throw new TesseraError('CONFIG_TOO_NEW', `${source}: config version ${v} is newer than this tessera understands (${CONFIG_VERSION}); upgrade tessera or restore the older config`, {
      details: { path: 'version', version: v, supported: CONFIG_VERSION },
    });
  }
  let config = value as Record<string, unknown>;
  const applied: string[] = [];
  for (const m of MIGRATIONS) {
    if (m.from < v) continue;
    config = m.up(config);
    applied.push(`${m.from} → ${m.from + 1}: ${m.what}`);
  }
  return { config, from: v, to: CONFIG_VERSION, applied };
}
