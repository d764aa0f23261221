// SQLite ledger (WAL): double-entry postings, journal chains, settlements, fraud cases and the deny list.
import type Database from 'better-sqlite3';
import { Sqlite } from '#common/node';
import { TesseraError } from '#common';
import { equalBytes, type AckStatus } from '#protocol';
import {
  EXTERNAL_ACCOUNT,
  purseAccount,
  type Account,
  type AccountKind,
  type BatchOutcome,
  type ChainRecord,
  type DenyList,
  type FraudCase,
  type Incident,
  type IncidentReport,
  type JournalEntry,
  type Ledger,
  type MerchantTotal,
  type PurseRecord,
  type Settlement,
  type StoredRecord,
  type TerminalRecord,
} from './ledger.js';
import { ZERO_HASH, accountOf, chainOf, fraudCaseOf, purseOf, settlementOf, terminalOf, u8, type Row } from './ledger-rows.js';
import { incidentOf, storeIncident } from './incidents.js';
import { migrate } from './sqlite-migrate.js';
import { migrateOps, sqliteOps } from './sqlite-ops.js';
import type { OpsDb } from './ops/db.js';
import { isPurseRetry, isRetry, type TransferShape } from './rules/transfers.js';
import { runAudit, type LedgerAudit } from './ledger-audit.js';
import { applyJournal } from './sqlite-clearing.js';
import { ACCOUNT_SELECT, PURSE_SELECT, account, bumpVersion, denyInTx, ensureAccount, purse, readDenyList, transfer } from './sqlite-money.js';

const SCHEMA_VERSION = 5;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, currency TEXT NOT NULL, created_at INTEGER NOT NULL, merchant_id TEXT);
CREATE TABLE IF NOT EXISTS transfers (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, debit TEXT NOT NULL, credit TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0), ref TEXT, created_at INTEGER NOT NULL, idem TEXT);
CREATE TABLE IF NOT EXISTS postings (
  id INTEGER PRIMARY KEY, transfer_id INTEGER NOT NULL REFERENCES transfers(id),
  account TEXT NOT NULL REFERENCES accounts(id), amount INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS terminals (
  terminal_id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, display_name TEXT NOT NULL, mode TEXT NOT NULL,
  public_key BLOB NOT NULL, cert TEXT NOT NULL, not_after INTEGER NOT NULL, operator_id TEXT, line TEXT,
  last_index INTEGER NOT NULL DEFAULT 0, last_hash BLOB NOT NULL, created_at INTEGER NOT NULL, chain INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS retired_chains (
  terminal_id TEXT NOT NULL, chain INTEGER NOT NULL, merchant_id TEXT NOT NULL, mode TEXT NOT NULL, public_key BLOB NOT NULL, cert TEXT NOT NULL,
  last_index INTEGER NOT NULL, last_hash BLOB NOT NULL, retired_at INTEGER NOT NULL, PRIMARY KEY (terminal_id, chain));
CREATE TABLE IF NOT EXISTS purses (
  purse_id TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts(id), currency TEXT NOT NULL,
  cap INTEGER NOT NULL, per_payment_limit INTEGER NOT NULL, wallet_key TEXT NOT NULL,
  not_before INTEGER NOT NULL, not_after INTEGER NOT NULL, cert TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active', spent INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (
  terminal_id TEXT NOT NULL, chain INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, tx_id TEXT NOT NULL,
  status TEXT NOT NULL, reason TEXT, record BLOB NOT NULL, time INTEGER NOT NULL, processed_at INTEGER NOT NULL,
  PRIMARY KEY (terminal_id, chain, idx));
CREATE TABLE IF NOT EXISTS held (
  terminal_id TEXT NOT NULL, chain INTEGER NOT NULL, idx INTEGER NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (terminal_id, chain, idx));
CREATE TABLE IF NOT EXISTS settlements (
  tx_id TEXT PRIMARY KEY, purse_id TEXT NOT NULL, seq INTEGER NOT NULL, cumulative INTEGER NOT NULL,
  authorised INTEGER NOT NULL, amount INTEGER NOT NULL, terminal_id TEXT NOT NULL, merchant_id TEXT NOT NULL,
  idx INTEGER NOT NULL, payment BLOB NOT NULL, transfer_id INTEGER NOT NULL REFERENCES transfers(id),
  settled_at INTEGER NOT NULL, chain INTEGER NOT NULL DEFAULT 1, UNIQUE (purse_id, seq));
CREATE TABLE IF NOT EXISTS fraud_cases (
  id INTEGER PRIMARY KEY, purse_id TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL,
  first_tx TEXT, second_tx TEXT NOT NULL UNIQUE, first_payment BLOB, second_payment BLOB NOT NULL,
  terminal_id TEXT NOT NULL, idx INTEGER NOT NULL, amount INTEGER NOT NULL, opened_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (
  id INTEGER PRIMARY KEY, terminal_id TEXT NOT NULL, idx INTEGER, kind TEXT NOT NULL, detail TEXT NOT NULL, at INTEGER NOT NULL,
  last_idx INTEGER, count INTEGER NOT NULL DEFAULT 1, last_at INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS denylist (
  purse_id TEXT PRIMARY KEY, reason TEXT NOT NULL, version INTEGER NOT NULL, added_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS versions (series TEXT PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signed_fleet (series TEXT PRIMARY KEY, version INTEGER NOT NULL, bytes BLOB NOT NULL);
`;

export interface SqliteLedgerOptions {
  /** Milliseconds a writer waits for another process's transaction (several clearing instances share the file). */
  busyTimeoutMs?: number;
}

export class SqliteLedger implements Ledger {
  readonly db: Database.Database;

  constructor(path: string, opts: SqliteLedgerOptions = {}) {
    this.db = new Sqlite(path);
    this.db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 10_000}`);
    this.db.pragma('journal_mode = WAL');
    // Money: every commit is durable before an ack leaves.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.tx(() => {
      this.db.exec(SCHEMA);
      const v = this.sql("SELECT value FROM meta WHERE key = 'schema'").get() as Row | undefined;
      const from = v ? Number(v.value) : SCHEMA_VERSION;
      if (from > SCHEMA_VERSION) throw new TesseraError('DB_TOO_NEW', `ledger schema ${String(from)} is newer than ${SCHEMA_VERSION}`);
      migrate(this.db, from);
      migrateOps(this.db);
      this.sql("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
    });
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, prepared once per SQL text (clearing runs the same few thousands of times). */
  private readonly sql = (text: string): Database.Statement => {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  };

  /** Runs fn in a write transaction taken up front (BEGIN IMMEDIATE), so concurrent writers queue instead of deadlocking. */
  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  async close(): Promise<void> {
    this.db.close();
  }

  // ---- accounts and transfers ----

  async createAccount(a: { id: string; kind: AccountKind; name?: string; currency: string }, now: number): Promise<Account> {
    return this.tx(() => {
      if (account(this.sql, a.id)) throw new TesseraError('ALREADY_EXISTS', `account ${a.id} exists`);
      ensureAccount(this.sql, a.id, a.kind, a.currency, now, a.name ?? null);
      return account(this.sql, a.id) as Account;
    });
  }

  async getAccount(id: string): Promise<Account | undefined> {
    return account(this.sql, id);
  }

  async listAccounts(): Promise<Account[]> {
    return (this.sql(`${ACCOUNT_SELECT} ORDER BY a.kind, a.id`).all() as Row[]).map(accountOf);
  }

  async fund(accountId: string, amount: number, memo: string, now: number, id?: string): Promise<Account> {
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new TesseraError('USAGE', `amount must be a positive integer of minor units, got ${amount}`);
    return this.tx(() => {
      const a = account(this.sql, accountId);
      if (!a || a.kind !== 'customer') throw new TesseraError('NOT_FOUND', `no customer account ${accountId}`);
      const idem = id === undefined ? null : `fund:${id}`;
      const prior = idem === null ? undefined : (this.sql('SELECT kind, credit, amount FROM transfers WHERE idem = ?').get(idem) as TransferShape | undefined);
      if (idem !== null && isRetry(idem, prior, { kind: 'fund', credit: accountId, amount })) return a;
      ensureAccount(this.sql, EXTERNAL_ACCOUNT, 'external', a.currency, now);
      transfer(this.sql, 'fund', EXTERNAL_ACCOUNT, accountId, amount, memo, now, idem);
      return account(this.sql, accountId) as Account;
    });
  }

  // ---- terminals ----

  async registerTerminal(t: Omit<TerminalRecord, 'lastIndex' | 'lastHash' | 'chain'>, now: number, replace = false): Promise<void> {
    this.tx(() => {
      const old = this.sql('SELECT * FROM terminals WHERE terminal_id = ?').get(t.terminalId) as Row | undefined;
      if (!old) {
        this.sql(
            `INSERT INTO terminals (terminal_id, merchant_id, display_name, mode, public_key, cert, not_after, operator_id, line, last_index, last_hash, created_at, chain)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 1)`,
          )
          .run(t.terminalId, t.merchantId, t.displayName, t.mode, t.publicKey, t.cert, t.notAfter, t.operatorId, t.line, ZERO_HASH, now);
        return;
      }
      // A re-issued certificate for the same key keeps the chain; a new key starts a new chain.
      const sameKey = equalBytes(u8(old.public_key), t.publicKey);
      if (!sameKey && !replace) throw new TesseraError('ALREADY_EXISTS', `terminal ${t.terminalId} is enrolled with another key (re-enrol with --replace)`);
      if (!sameKey) this.retireChain(terminalOf(old), now, t.publicKey);
      this.sql(
          `UPDATE terminals SET merchant_id = ?, display_name = ?, mode = ?, public_key = ?, cert = ?, not_after = ?, operator_id = ?, line = ?
           ${sameKey ? '' : ', last_index = 0, last_hash = ?, chain = chain + 1'} WHERE terminal_id = ?`,
        )
        .run(t.merchantId, t.displayName, t.mode, t.publicKey, t.cert, t.notAfter, t.operatorId, t.line, ...(sameKey ? [] : [ZERO_HASH]), t.terminalId);
    });
  }

  /** Keeps the current chain's key and head, so its records stay verifiable and late ones still clear. */
  private retireChain(cur: TerminalRecord, now: number, newKey: Uint8Array): void {
    const reused = this.sql('SELECT chain FROM retired_chains WHERE terminal_id = ? AND public_key = ?').get(cur.terminalId, newKey) as Row | undefined;
    if (reused) throw new TesseraError('ALREADY_EXISTS', `terminal ${cur.terminalId} already used this key for chain ${String(reused.chain)}; enrol a fresh key`);
    this.sql('INSERT INTO retired_chains (terminal_id, chain, merchant_id, mode, public_key, cert, last_index, last_hash, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(cur.terminalId, cur.chain, cur.merchantId, cur.mode, cur.publicKey, cur.cert, cur.lastIndex, cur.lastHash, now);
  }

  async getTerminal(id: string): Promise<TerminalRecord | undefined> {
    const r = this.sql('SELECT * FROM terminals WHERE terminal_id = ?').get(id) as Row | undefined;
    return r ? terminalOf(r) : undefined;
  }

  async listTerminals(): Promise<TerminalRecord[]> {
    return (this.sql('SELECT * FROM terminals ORDER BY terminal_id').all() as Row[]).map(terminalOf);
  }

  async chains(terminalId: string): Promise<ChainRecord[]> {
    const retired = (this.sql('SELECT * FROM retired_chains WHERE terminal_id = ? ORDER BY chain').all(terminalId) as Row[]).map((r) => chainOf(r, r.retired_at as number));
    const cur = this.sql('SELECT * FROM terminals WHERE terminal_id = ?').get(terminalId) as Row | undefined;
    return cur ? [...retired, chainOf(cur, null)] : retired;
  }

  async chainRecords(terminalId: string, chain: number): Promise<StoredRecord[]> {
    return (this.sql('SELECT idx, hash, status, record FROM records WHERE terminal_id = ? AND chain = ? ORDER BY idx').all(terminalId, chain) as Row[]).map((r) => ({
      index: r.idx as number,
      hash: u8(r.hash),
      status: r.status as AckStatus,
      record: u8(r.record),
    }));
  }

  async setTerminalRoute(id: string, operatorId: string | null, line: string | null): Promise<void> {
    const r = this.sql('UPDATE terminals SET operator_id = ?, line = ? WHERE terminal_id = ?').run(operatorId, line, id);
    if (r.changes === 0) throw new TesseraError('NOT_FOUND', `no terminal ${id}`);
  }

  // ---- purses ----

  async createPurse(p: Omit<PurseRecord, 'status' | 'spent' | 'reserved'>, now: number, id?: string): Promise<PurseRecord> {
    return this.tx(() => {
      const idem = id === undefined ? null : `issue:${id}`;
      if (idem !== null) {
        // The reservation transfer carries the client's id; its ref is the purse it reserved for.
        const prior = this.sql(`${PURSE_SELECT} JOIN transfers t ON t.ref = p.purse_id AND t.kind = 'reserve' WHERE t.idem = ?`).get(idem) as Row | undefined;
        if (isPurseRetry(id as string, prior && purseOf(prior), p)) return purseOf(prior as Row);
      }
      const a = account(this.sql, p.account);
      if (!a || a.kind !== 'customer') throw new TesseraError('NOT_FOUND', `no customer account ${p.account}`);
      if (a.currency !== p.currency) throw new TesseraError('USAGE', `account ${p.account} holds ${a.currency}, not ${p.currency}`);
      if (a.balance < p.cap) throw new TesseraError('INSUFFICIENT_FUNDS', `account ${p.account} has ${a.balance}, the purse cap is ${p.cap}`);
      ensureAccount(this.sql, purseAccount(p.purseId), 'purse', p.currency, now);
      this.sql(
          `INSERT INTO purses (purse_id, account, currency, cap, per_payment_limit, wallet_key, not_before, not_after, cert, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(p.purseId, p.account, p.currency, p.cap, p.perPaymentLimit, p.walletKey, p.notBefore, p.notAfter, p.cert, now);
      transfer(this.sql, 'reserve', p.account, purseAccount(p.purseId), p.cap, p.purseId, now, idem);
      return purse(this.sql, p.purseId) as PurseRecord;
    });
  }

  async getPurse(id: string): Promise<PurseRecord | undefined> {
    return purse(this.sql, id);
  }

  async listPurses(): Promise<PurseRecord[]> {
    return (this.sql(`${PURSE_SELECT} ORDER BY p.created_at`).all() as Row[]).map(purseOf);
  }

  async expirePurses(now: number, graceSeconds: number): Promise<{ purseId: string; returned: number }[]> {
    return this.tx(() => {
      const due = this.sql("SELECT purse_id FROM purses WHERE status = 'active' AND not_after + ? < ?").all(graceSeconds, now) as Row[];
      const out: { purseId: string; returned: number }[] = [];
      for (const r of due) {
        const p = purse(this.sql, r.purse_id as string) as PurseRecord;
        if (p.reserved > 0) transfer(this.sql, 'expire', purseAccount(p.purseId), p.account, p.reserved, p.purseId, now);
        this.sql("UPDATE purses SET status = 'closed' WHERE purse_id = ?").run(p.purseId);
        out.push({ purseId: p.purseId, returned: p.reserved });
      }
      return out;
    });
  }

  // ---- clearing ----

  async recordIncident(i: IncidentReport): Promise<void> {
    this.tx(() => storeIncident(this.db, i));
  }

  async applyJournal(terminalId: string, entries: JournalEntry[], now: number, chain?: number): Promise<BatchOutcome> {
    return this.tx(() => applyJournal(this.db, this.sql, terminalId, entries, now, chain));
  }

  // ---- deny list and versions ----

  async deny(purseId: string, reason: string, now: number): Promise<DenyList & { added: boolean }> {
    const added = this.tx(() => denyInTx(this.sql, purseId, reason, now));
    return { ...(await this.denyList()), added };
  }

  async denyList(): Promise<DenyList> {
    return readDenyList(this.sql);
  }

  async nextDenyList(): Promise<DenyList> {
    // BEGIN IMMEDIATE: the bump and the read are one snapshot, serialised against every other writer.
    return this.tx(() => {
      bumpVersion(this.sql, 'denylist');
      return readDenyList(this.sql);
    });
  }

  async recordSigned(series: string, version: number, bytes: Uint8Array): Promise<void> {
    // Keeps only the newest: a slower signer of an older version never overwrites a newer one.
    this.sql(
        `INSERT INTO signed_fleet (series, version, bytes) VALUES (?, ?, ?)
         ON CONFLICT (series) DO UPDATE SET version = excluded.version, bytes = excluded.bytes WHERE excluded.version > signed_fleet.version`,
      )
      .run(series, version, Buffer.from(bytes));
  }

  async newestSigned(series: string): Promise<{ version: number; bytes: Uint8Array } | undefined> {
    const r = this.sql('SELECT version, bytes FROM signed_fleet WHERE series = ?').get(series) as Row | undefined;
    return r ? { version: r.version as number, bytes: u8(r.bytes) } : undefined;
  }

  async nextVersion(series: string): Promise<number> {
    return this.tx(() => bumpVersion(this.sql, series));
  }

  // ---- reports ----

  async purseSettlements(purseId: string, afterSeq: number, limit: number): Promise<Settlement[]> {
    return (this.sql('SELECT * FROM settlements WHERE purse_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(purseId, afterSeq, limit) as Row[]).map(settlementOf);
  }

  async settlements(): Promise<Settlement[]> {
    return (this.sql('SELECT * FROM settlements ORDER BY settled_at, terminal_id, idx').all() as Row[]).map(settlementOf);
  }

  async merchantTotals(): Promise<MerchantTotal[]> {
    return (
      this.sql(
          `SELECT a.merchant_id, coalesce((SELECT sum(p.amount) FROM postings p WHERE p.account = a.id), 0) AS balance,
             (SELECT count(*) FROM settlements s WHERE s.merchant_id = a.merchant_id) AS n,
             (SELECT coalesce(sum(amount), 0) FROM settlements s WHERE s.merchant_id = a.merchant_id) AS amount
           FROM accounts a WHERE a.kind = 'merchant' ORDER BY a.id`,
        )
        .all() as Row[]
    ).map((r) => ({ merchantId: r.merchant_id as string, count: r.n as number, amount: r.amount as number, balance: r.balance as number }));
  }

  async fraudCases(): Promise<FraudCase[]> {
    return (this.sql('SELECT * FROM fraud_cases ORDER BY id').all() as Row[]).map(fraudCaseOf);
  }

  async incidents(): Promise<Incident[]> {
    return (this.sql('SELECT * FROM incidents ORDER BY id').all() as Row[]).map(incidentOf);
  }

  async audit(): Promise<LedgerAudit> {
    return runAudit(async (sql) => this.sql(sql).all() as Row[]);
  }

  async trialBalance(): Promise<number> {
    return (this.sql('SELECT coalesce(sum(amount), 0) AS s FROM postings').get() as Row).s as number;
  }

  private ops: OpsDb | undefined;

  operations(): OpsDb {
    return (this.ops ??= sqliteOps(this.db, {
      transfer: (t) => transfer(this.sql, t.kind, t.from, t.to, t.amount, t.ref, t.now, t.idem),
      ensureAccount: (a) => ensureAccount(this.sql, a.id, a.kind, a.currency, a.now, null, a.merchantId ?? null),
    }));
  }
}
