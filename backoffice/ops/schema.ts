// The operator tables (resolutions, refunds, early closures, deny-list removals, opened sealed details) and their indexes, per backend.

/** Tables only ever appended to: a resolution, a refund or a closure is never edited or taken back. */
export const OPS_APPEND_ONLY = ['sealed_details', 'fraud_resolutions', 'refunds', 'purse_closures', 'denylist_removals'] as const;

/** Column types differ only in these words; everything else is the same DDL on both backends. */
interface Dialect {
  int: string;
  bytes: string;
  /** An integer primary key the database numbers. */
  serial: string;
}

function tables(d: Dialect): string {
  return `
CREATE TABLE IF NOT EXISTS sealed_details (
  tx_id text PRIMARY KEY, status text NOT NULL, plaintext ${d.bytes}, error text, opened_at ${d.int} NOT NULL);
CREATE TABLE IF NOT EXISTS fraud_resolutions (
  case_id ${d.int} PRIMARY KEY, outcome text NOT NULL, reason text NOT NULL, actor text NOT NULL, amount ${d.int} NOT NULL,
  debit text NOT NULL, credit text NOT NULL, transfer_id ${d.int} NOT NULL, resolved_at ${d.int} NOT NULL);
CREATE TABLE IF NOT EXISTS refunds (
  id ${d.serial}, merchant_id text NOT NULL, client_id text NOT NULL, tx_id text NOT NULL,
  amount ${d.int} NOT NULL CHECK (amount > 0), account text NOT NULL, reason text NOT NULL, source text NOT NULL, terminal_id text,
  actor text NOT NULL, transfer_id ${d.int} NOT NULL, created_at ${d.int} NOT NULL, UNIQUE (merchant_id, client_id));
CREATE TABLE IF NOT EXISTS purse_closures (
  purse_id text PRIMARY KEY, reason text NOT NULL, actor text NOT NULL, returned ${d.int} NOT NULL, transfer_id ${d.int}, closed_at ${d.int} NOT NULL);
CREATE TABLE IF NOT EXISTS denylist_removals (
  id ${d.serial}, purse_id text NOT NULL, reason text NOT NULL, actor text NOT NULL, version ${d.int} NOT NULL, removed_at ${d.int} NOT NULL);
CREATE INDEX IF NOT EXISTS refunds_tx ON refunds(tx_id);
CREATE INDEX IF NOT EXISTS refunds_merchant ON refunds(merchant_id, created_at);
CREATE INDEX IF NOT EXISTS records_tx ON records(tx_id);
CREATE INDEX IF NOT EXISTS records_time ON records(time, terminal_id, chain, idx);
CREATE INDEX IF NOT EXISTS settlements_merchant ON settlements(merchant_id, settled_at);
CREATE INDEX IF NOT EXISTS settlements_terminal ON settlements(terminal_id, settled_at);
CREATE INDEX IF NOT EXISTS settlements_time ON settlements(settled_at);
CREATE INDEX IF NOT EXISTS purses_account ON purses(account, created_at);
CREATE INDEX IF NOT EXISTS fraud_cases_purse ON fraud_cases(purse_id);
CREATE INDEX IF NOT EXISTS fraud_cases_first ON fraud_cases(first_tx);
`;
}

export const SQLITE_OPS_SCHEMA = `${tables({ int: 'INTEGER', bytes: 'BLOB', serial: 'INTEGER PRIMARY KEY' })}
${OPS_APPEND_ONLY.map(
  (t) => `CREATE TRIGGER IF NOT EXISTS ${t}_no_update BEFORE UPDATE ON ${t} BEGIN SELECT RAISE(ABORT, '${t} is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ${t}_no_delete BEFORE DELETE ON ${t} BEGIN SELECT RAISE(ABORT, '${t} is append-only'); END;`,
).join('\n')}`;

/** PostgreSQL migration: the same tables; tessera_append_only() comes with the append-only migration before it. */
export const PG_OPS_MIGRATION = `${tables({ int: 'bigint', bytes: 'bytea', serial: 'bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY' })}
${OPS_APPEND_ONLY.map(
  (t) => `CREATE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION tessera_append_only();
CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION tessera_append_only();`,
).join('\n')}`;
