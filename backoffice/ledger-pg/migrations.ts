// PostgreSQL ledger schema as numbered migrations, each applied in its own transaction under an advisory lock.
import type { Client } from './sql.js';
import { TesseraError } from '#common';
import { APPEND_ONLY_TABLES } from '../ledger-audit.js';
import { PG_OPS_MIGRATION } from '../ops/schema.js';

/**
 * Balances are not stored: an account's balance is the sum of its postings, so it cannot drift from
 * them. Numbers are bigint (minor units, seconds) and read back as JS numbers (see pg-ledger.ts).
 */
const V1 = `
CREATE TABLE accounts (
  id text PRIMARY KEY, kind text NOT NULL, name text, currency text NOT NULL, created_at bigint NOT NULL);
CREATE TABLE transfers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text NOT NULL, debit text NOT NULL, credit text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0), ref text, created_at bigint NOT NULL);
CREATE TABLE postings (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, transfer_id bigint NOT NULL REFERENCES transfers(id),
  account text NOT NULL REFERENCES accounts(id), amount bigint NOT NULL);
CREATE INDEX postings_account ON postings(account);
CREATE TABLE terminals (
  terminal_id text PRIMARY KEY, merchant_id text NOT NULL, display_name text NOT NULL, mode text NOT NULL,
  public_key bytea NOT NULL, cert text NOT NULL, not_after bigint NOT NULL, operator_id text, line text,
  last_index bigint NOT NULL DEFAULT 0, last_hash bytea NOT NULL, created_at bigint NOT NULL, chain bigint NOT NULL DEFAULT 1);
CREATE TABLE retired_chains (
  terminal_id text NOT NULL, chain bigint NOT NULL, merchant_id text NOT NULL, mode text NOT NULL, public_key bytea NOT NULL, cert text NOT NULL,
  last_index bigint NOT NULL, last_hash bytea NOT NULL, retired_at bigint NOT NULL, PRIMARY KEY (terminal_id, chain));
CREATE TABLE purses (
  purse_id text PRIMARY KEY, account text NOT NULL REFERENCES accounts(id), currency text NOT NULL,
  cap bigint NOT NULL, per_payment_limit bigint NOT NULL, wallet_key text NOT NULL,
  not_before bigint NOT NULL, not_after bigint NOT NULL, cert text NOT NULL,
  status text NOT NULL DEFAULT 'active', spent bigint NOT NULL DEFAULT 0, created_at bigint NOT NULL);
CREATE TABLE records (
  terminal_id text NOT NULL, chain bigint NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, tx_id text NOT NULL,
  status text NOT NULL, reason text, record bytea NOT NULL, time bigint NOT NULL, processed_at bigint NOT NULL,
  PRIMARY KEY (terminal_id, chain, idx));
CREATE TABLE held (
  terminal_id text NOT NULL, chain bigint NOT NULL, idx bigint NOT NULL, entry text NOT NULL, PRIMARY KEY (terminal_id, chain, idx));
CREATE TABLE settlements (
  tx_id text PRIMARY KEY, purse_id text NOT NULL, seq bigint NOT NULL, cumulative bigint NOT NULL,
  authorised bigint NOT NULL, amount bigint NOT NULL, terminal_id text NOT NULL, merchant_id text NOT NULL,
  idx bigint NOT NULL, payment bytea NOT NULL, transfer_id bigint NOT NULL REFERENCES transfers(id),
  settled_at bigint NOT NULL, chain bigint NOT NULL, UNIQUE (purse_id, seq));
CREATE TABLE fraud_cases (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, purse_id text NOT NULL, kind text NOT NULL, detail text NOT NULL,
  first_tx text, second_tx text NOT NULL UNIQUE, first_payment bytea, second_payment bytea NOT NULL,
  terminal_id text NOT NULL, idx bigint NOT NULL, amount bigint NOT NULL, opened_at bigint NOT NULL);
CREATE TABLE incidents (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, terminal_id text NOT NULL, idx bigint, kind text NOT NULL, detail text NOT NULL,
  at bigint NOT NULL, last_idx bigint, count bigint NOT NULL DEFAULT 1, last_at bigint NOT NULL);
CREATE INDEX incidents_terminal ON incidents(terminal_id, at);
CREATE INDEX incidents_kind ON incidents(kind, at);
CREATE TABLE denylist (
  purse_id text PRIMARY KEY, reason text NOT NULL, version bigint NOT NULL, added_at bigint NOT NULL);
CREATE TABLE versions (series text PRIMARY KEY, version bigint NOT NULL);
-- The deny-list version row exists from the start: deny() and nextDenyList() serialise on its lock.
INSERT INTO versions (series, version) VALUES ('denylist', 0);
CREATE TABLE signed_fleet (series text PRIMARY KEY, version bigint NOT NULL, bytes bytea NOT NULL);
`;

/** The money tables refuse UPDATE, DELETE and TRUNCATE: a correction is a new transfer, never an edit. */
const V2 = `
CREATE FUNCTION tessera_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
${APPEND_ONLY_TABLES.map(
  (t) => `CREATE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION tessera_append_only();
CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION tessera_append_only();`,
).join('\n')}
`;

/** Client-chosen transfer ids (idempotent funding). */
const V3 = 'ALTER TABLE transfers ADD COLUMN idem text UNIQUE;';

/** Migrations in order; the index + 1 is the schema version. Never edit one that shipped: append. */
export const MIGRATIONS: readonly string[] = [V1, V2, V3, PG_OPS_MIGRATION];

/** Any fixed 64-bit number: concurrent clearing workers starting at once apply each migration once. */
const MIGRATION_LOCK = 0x7e55e4a;

/** Brings the database to the newest schema; returns the version it is at. Refuses a newer database. */
export async function migrate(client: Client): Promise<number> {
  for (;;) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
      const at = r.rows[0]?.v ?? 0;
      if (at > MIGRATIONS.length) throw new TesseraError('DB_TOO_NEW', `ledger schema ${at} is newer than ${MIGRATIONS.length}`);
      if (at === MIGRATIONS.length) {
        await client.query('COMMIT');
        return at;
      }
      await client.query(MIGRATIONS[at] as string);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [at + 1]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  }
}
