import t from 'tap';
import { isTesseraError } from '#common';
import { CONFIG_VERSION, loadConfigMigrated } from './config.js';
import { migrateConfig } from './config-migrate.js';

t.test('a file without a version is migrated to the current one and says which steps ran', async (t) => {
  const m = migrateConfig({ merchant: { currency: 'CHF' } });
  t.equal(m.from, 0);
  t.equal(m.to, CONFIG_VERSION);
  t.same(m.config, { version: CONFIG_VERSION, merchant: { currency: 'CHF' } });
  t.equal(m.applied.length, CONFIG_VERSION, 'one line per step');
  t.match(m.applied[0], /^0 → 1: /);
  const loaded = loadConfigMigrated('/etc/x.json', () => '{"merchant":{"currency":"CHF"}}');
  t.equal(loaded.config.version, CONFIG_VERSION);
  t.equal(loaded.config.merchant.currency, 'CHF', 'fields survive the migration');
});

t.test('a current file is left alone', async (t) => {
  const m = migrateConfig({ version: CONFIG_VERSION });
  t.same(m, { config: { version: CONFIG_VERSION }, from: CONFIG_VERSION, to: CONFIG_VERSION, applied: [] });
});

/** The TesseraError code `fn` throws ('none' when it returns). */
function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (e) {
    return isTesseraError(e) ? `${e.code}: ${e.message}` : `not a TesseraError: ${String(e)}`;
  }
}

t.test('a newer file is refused with CONFIG_TOO_NEW; a nonsense version with CONFIG_INVALID', async (t) => {
  t.match(codeOf(() => loadConfigMigrated('/etc/x.json', () => JSON.stringify({ version: CONFIG_VERSION + 1 }))), /^CONFIG_TOO_NEW: \/etc\/x.json: config version 2 is newer than this tessera understands/);
  t.match(codeOf(() => migrateConfig({ version: '1' })), /^CONFIG_INVALID: /);
  t.match(codeOf(() => migrateConfig({ version: 1.5 })), /^CONFIG_INVALID: /);
});
