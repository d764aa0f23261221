// SQLite ledger (WAL): double-entry postings, journal chains, settlements, fraud cases and the deny list.
import Database from 'better-sqlite3';
import { TesseraError } from '#common';
import { equalBytes, type AckStatus } from '#protocol';
import {
  EXTERNAL_ACCOUNT,
  merchantAccount,
  purseAccount,
  type Account,
  type AccountKind,
  type BatchOutcome,
  type ChainRecord,
  type DenyList,
  type EntryOutcome,
  type FraudCase,
  type FraudKind,
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
import { PRIOR_SETTLEMENTS_SQL, ZERO_HASH, accountOf, priorParams, chainOf, entryFromJson, entryToJson, fraudCaseOf, priorOf, purseOf, settlementOf, terminalOf, u8, type Row } from './ledger-rows.js';
import { IncidentTally, incidentOf, storeIncident } from './incidents.js';
import { migrate } from './sqlite-migrate.js';
import { migrateOps, sqliteOps } from './sqlite-ops.js';
import type { OpsDb } from './ops/db.js';
import { assertSameCurrency, isRetry, type TransferShape } from './rules/transfers.js';
import { runAudit, type AuditCheck, type LedgerAudit } from './ledger-audit.js';
import { indexesToCompare, planChain, reportStep } from './rules/chaining.js';
import { NO_FACTS, decide, needsFacts, outcomeOf, type ClearingFacts, type PriorSettlement } from './rules/clearing-rules.js';

const SCHEMA_VERSION = 5;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, currency TEXT NOT NULL,
  balance INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS transfers (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, debit TEXT NOT NULL, credit TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0), ref TEXT, created_at INTEGER NOT NULL, idem TEXT);
CREATE TABLE IF NOT EXISTS postings (
  id INTEGER PRIMARY KEY, transfer_id INTEGER NOT NULL REFERENCES transfers(id),
  account TEXT NOT NULL REFERENCES accounts(id), amount INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS postings_account ON postings(account);
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

const BALANCE_CHECK: AuditCheck = {
  sql: `SELECT a.id, a.balance, coalesce((SELECT sum(p.amount) FROM postings p WHERE p.account = a.id), 0) AS s FROM accounts a
        WHERE a.balance <> coalesce((SELECT sum(p.amount) FROM postings p WHERE p.account = a.id), 0) ORDER BY a.id`,
  problem: (r) => `account ${String(r.id)}: balance ${String(r.balance)} but postings sum to ${String(r.s)}`,
};

export interface SqliteLedgerOptions {
  /** Milliseconds a writer waits for another process's transaction (several clearing instances share the file). */
  busyTimeoutMs?: number;
}

export class SqliteLedger implements Ledger {
  readonly db: Database.Database;

  constructor(path: string, opts: SqliteLedgerOptions = {}) {
    this.db = new Database(path);
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
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  /** Runs fn in a write transaction taken up front (BEGIN IMMEDIATE), so concurrent writers queue instead of deadlocking. */
  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  async close(): Promise<void> {
    this.db.close();
  }

  // ---- accounts and transfers ----

  private account(id: string): Account | undefined {
    const r = this.sql('SELECT * FROM accounts WHERE id = ?').get(id) as Row | undefined;
    return r ? accountOf(r) : undefined;
  }

  private ensureAccount(id: string, kind: AccountKind, currency: string, now: number, name: string | null = null): void {
    this.sql('INSERT OR IGNORE INTO accounts (id, kind, name, currency, balance, created_at) VALUES (?, ?, ?, ?, 0, ?)').run(id, kind, name, currency, now);
  }

  /** One double-entry transfer: a debit and a credit posting that sum to zero. */
  private transfer(kind: string, from: string, to: string, amount: number, ref: string, now: number, idem: string | null = null): number {
    assertSameCurrency(from, to, this.sql('SELECT id, currency FROM accounts WHERE id IN (?, ?)').all(from, to) as { id: string; currency: string }[]);
    const id = Number(
      this.sql('INSERT INTO transfers (kind, debit, credit, amount, ref, created_at, idem) VALUES (?, ?, ?, ?, ?, ?, ?)').run(kind, from, to, amount, ref, now, idem).lastInsertRowid,
    );
    const post = this.sql('INSERT INTO postings (transfer_id, account, amount) VALUES (?, ?, ?)');
    const bal = this.sql('UPDATE accounts SET balance = balance + ? WHERE id = ?');
    post.run(id, from, -amount);
    post.run(id, to, amount);
    bal.run(-amount, from);
    bal.run(amount, to);
    return id;
  }

  async createAccount(a: { id: string; kind: AccountKind; name?: string; currency: string }, now: number): Promise<Account> {
    return this.tx(() => {
      if (this.account(a.id)) throw new TesseraError('ALREADY_EXISTS', `account ${a.id} exists`);
      this.ensureAccount(a.id, a.kind, a.currency, now, a.name ?? null);
      return this.account(a.id) as Account;
    });
  }

  async getAccount(id: string): Promise<Account | undefined> {
    return this.account(id);
  }

  async listAccounts(): Promise<Account[]> {
    return (this.sql('SELECT * FROM accounts ORDER BY kind, id').all() as Row[]).map(accountOf);
  }

  async fund(account: string, amount: number, memo: string, now: number, id?: string): Promise<Account> {
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new TesseraError('USAGE', `amount must be a positive integer of minor units, got ${amount}`);
    return this.tx(() => {
      const a = this.account(account);
      if (!a || a.kind !== 'customer') throw new TesseraError('NOT_FOUND', `no customer account ${account}`);
      const idem = id === undefined ? null : `fund:${id}`;
      const prior = idem === null ? undefined : (this.sql('SELECT kind, credit, amount FROM transfers WHERE idem = ?').get(idem) as TransferShape | undefined);
      if (idem !== null && isRetry(idem, prior, { kind: 'fund', credit: account, amount })) return a;
      this.ensureAccount(EXTERNAL_ACCOUNT, 'external', a.currency, now);
      this.transfer('fund', EXTERNAL_ACCOUNT, account, amount, memo, now, idem);
      return this.account(account) as Account;
    });
  }

  // ---- terminals ----

  async registerTerminal(t: Omit<TerminalRecord, 'lastIndex' | 'lastHash' | 'chain'>, now: number, replace = false): Promise<void> {
    this.tx(() => {
      const old = this.sql('SELECT * FROM terminals WHERE terminal_id = ?').get(t.terminalId) as Row | undefined;
      if (!old) {
        this.db
          .prepare(
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
      this.db
        .prepare(
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
    this.db
      .prepare('INSERT INTO retired_chains (terminal_id, chain, merchant_id, mode, public_key, cert, last_index, last_hash, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
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

  private purse(id: string): PurseRecord | undefined {
    const r = this.db
      .prepare('SELECT p.*, a.balance AS reserved FROM purses p LEFT JOIN accounts a ON a.id = ? WHERE p.purse_id = ?')
      .get(purseAccount(id), id) as Row | undefined;
    return r ? purseOf(r) : undefined;
  }

  async createPurse(p: Omit<PurseRecord, 'status' | 'spent' | 'reserved'>, now: number): Promise<PurseRecord> {
    return this.tx(() => {
      const a = this.account(p.account);
      if (!a || a.kind !== 'customer') throw new TesseraError('NOT_FOUND', `no customer account ${p.account}`);
      if (a.currency !== p.currency) throw new TesseraError('USAGE', `account ${p.account} holds ${a.currency}, not ${p.currency}`);
      if (a.balance < p.cap) throw new TesseraError('INSUFFICIENT_FUNDS', `account ${p.account} has ${a.balance}, the purse cap is ${p.cap}`);
      this.ensureAccount(purseAccount(p.purseId), 'purse', p.currency, now);
      this.db
        .prepare(
          `INSERT INTO purses (purse_id, account, currency, cap, per_payment_limit, wallet_key, not_before, not_after, cert, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(p.purseId, p.account, p.currency, p.cap, p.perPaymentLimit, p.walletKey, p.notBefore, p.notAfter, p.cert, now);
      this.transfer('reserve', p.account, purseAccount(p.purseId), p.cap, p.purseId, now);
      return this.purse(p.purseId) as PurseRecord;
    });
  }

  async getPurse(id: string): Promise<PurseRecord | undefined> {
    return this.purse(id);
  }

  async listPurses(): Promise<PurseRecord[]> {
    return (this.sql('SELECT p.*, a.balance AS reserved FROM purses p LEFT JOIN accounts a ON a.id = \'purse:\' || p.purse_id ORDER BY p.created_at').all() as Row[]).map(purseOf);
  }

  async expirePurses(now: number, graceSeconds: number): Promise<{ purseId: string; returned: number }[]> {
    return this.tx(() => {
      const due = this.sql("SELECT purse_id FROM purses WHERE status = 'active' AND not_after + ? < ?").all(graceSeconds, now) as Row[];
      const out: { purseId: string; returned: number }[] = [];
      for (const r of due) {
        const p = this.purse(r.purse_id as string) as PurseRecord;
        if (p.reserved > 0) this.transfer('expire', purseAccount(p.purseId), p.account, p.reserved, p.purseId, now);
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

  private denyInTx(purseId: string, reason: string, now: number): boolean {
    const exists = this.sql('SELECT 1 FROM denylist WHERE purse_id = ?').get(purseId);
    if (exists) return false;
    // The first version that will carry it: versions are allocated when a list is signed (nextDenyList).
    const version = this.readDenyList().version + 1;
    this.sql('INSERT INTO denylist (purse_id, reason, version, added_at) VALUES (?, ?, ?, ?)').run(purseId, reason, version, now);
    return true;
  }

  private bumpVersion(series: string): number {
    this.sql('INSERT INTO versions (series, version) VALUES (?, 1) ON CONFLICT (series) DO UPDATE SET version = version + 1').run(series);
    return (this.sql('SELECT version FROM versions WHERE series = ?').get(series) as Row).version as number;
  }

  private openFraud(e: JournalEntry, kind: FraudKind, detail: string, first: PriorSettlement | undefined, purseId: string, amount: number, now: number): boolean {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO fraud_cases (purse_id, kind, detail, first_tx, second_tx, first_payment, second_payment, terminal_id, idx, amount, opened_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(purseId, kind, detail, first?.txId ?? null, e.txId, first ? Buffer.from(first.payment) : null, e.payment, e.terminalId, e.index, amount, now);
    return this.denyInTx(purseId, `fraud: ${kind}`, now);
  }

  /** The facts the clearing rules read (rules/clearing-rules.ts): the same txId, then the purse and its settlements. */
  private facts(txId: string, purseId: string, seq: number): ClearingFacts {
    const same = this.sql('SELECT * FROM settlements WHERE tx_id = ?').get(txId) as Row | undefined;
    if (same) return { sameTx: priorOf(same), purse: undefined, prior: [] };
    const prior = (this.sql(PRIOR_SETTLEMENTS_SQL).all(...priorParams(purseId, seq)) as Row[]).map(priorOf);
    return { sameTx: undefined, purse: this.purse(purseId), prior };
  }

  /** Clears one chained record inside the batch transaction: the pure rules decide, this applies. */
  private clear(e: JournalEntry, merchantId: string, now: number, flags: { denied: boolean }, incidents: IncidentTally): EntryOutcome {
    const v = e.verdict;
    const facts = needsFacts(v) ? this.facts(e.txId, v.purseId, v.seq) : NO_FACTS;
    const d = decide(e, v, facts);
    if (d.kind === 'rejected') incidents.add('invalid-payment', e.index, d.reason);
    if (d.kind === 'fraud' && v.kind === 'payment' && this.openFraud(e, d.fraud, d.detail, d.first, v.purseId, v.charged, now)) flags.denied = true;
    if (d.kind === 'settle' && v.kind === 'payment') {
      // facts() read the whole purse record; the rules saw only what they need of it.
      this.ensureAccount(merchantAccount(merchantId), 'merchant', (facts.purse as PurseRecord).currency, now);
      const transferId = this.transfer('settle', purseAccount(v.purseId), merchantAccount(merchantId), v.charged, e.txId, now);
      this.db
        .prepare(
          `INSERT INTO settlements (tx_id, purse_id, seq, cumulative, authorised, amount, terminal_id, merchant_id, chain, idx, payment, transfer_id, settled_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(e.txId, v.purseId, v.seq, v.cumulative, v.authorised, v.charged, e.terminalId, merchantId, e.chain, e.index, e.payment, transferId, now);
      this.sql('UPDATE purses SET spent = spent + ? WHERE purse_id = ?').run(v.charged, v.purseId);
    }
    return { index: e.index, txId: e.txId, ...outcomeOf(d) };
  }

  /** The head of one chain of a terminal: the current one (terminals row) or a retired one. */
  private chainHead(terminalId: string, chain: number | undefined): { merchantId: string; chain: number; retired: boolean; lastIndex: number; lastHash: Uint8Array } {
    const row = this.sql('SELECT * FROM terminals WHERE terminal_id = ?').get(terminalId) as Row | undefined;
    if (!row) throw new TesseraError('NOT_FOUND', `no terminal ${terminalId}`);
    const t = terminalOf(row);
    if (chain === undefined || chain === t.chain) return { merchantId: t.merchantId, chain: t.chain, retired: false, lastIndex: t.lastIndex, lastHash: t.lastHash };
    const r = this.sql('SELECT * FROM retired_chains WHERE terminal_id = ? AND chain = ?').get(terminalId, chain) as Row | undefined;
    if (!r) throw new TesseraError('NOT_FOUND', `terminal ${terminalId} has no chain ${chain}`);
    // A retired chain's payments belong to the merchant its certificate named.
    return { merchantId: r.merchant_id as string, chain, retired: true, lastIndex: r.last_index as number, lastHash: u8(r.last_hash) };
  }

  async applyJournal(terminalId: string, entries: JournalEntry[], now: number, chain?: number): Promise<BatchOutcome> {
    return this.tx(() => {
      const head = this.chainHead(terminalId, chain);
      const c = head.chain;
      const key = [terminalId, c] as const;
      const held = new Map((this.sql('SELECT entry FROM held WHERE terminal_id = ? AND chain = ?').all(...key) as Row[]).map((r) => {
        const e = entryFromJson(r.entry as string);
        return [e.index, e] as const;
      }));
      const recorded = new Map<number, Uint8Array>();
      for (const i of indexesToCompare(head.lastIndex, entries)) {
        const old = this.sql('SELECT hash FROM records WHERE terminal_id = ? AND chain = ? AND idx = ?').get(...key, i) as Row | undefined;
        if (old) recorded.set(i, u8(old.hash));
      }
      const plan = planChain(head, entries, held, recorded);
      const outcomes: EntryOutcome[] = [];
      const flags = { denied: false };
      const incidents = new IncidentTally(terminalId, now);
      for (const step of plan.steps) {
        const e = { ...step.entry, chain: c };
        const answer = reportStep(step, c, incidents);
        if (answer) outcomes.push(answer);
        if (step.kind === 'hold' && step.isNew) this.sql('INSERT INTO held (terminal_id, chain, idx, entry) VALUES (?, ?, ?, ?)').run(...key, e.index, entryToJson(e));
        if (step.kind === 'break' && step.fromHeld) this.sql('DELETE FROM held WHERE terminal_id = ? AND chain = ? AND idx = ?').run(...key, e.index);
        if (step.kind !== 'append') continue;
        const o = this.clear(e, head.merchantId, now, flags, incidents);
        this.db
          .prepare('INSERT INTO records (terminal_id, chain, idx, hash, tx_id, status, reason, record, time, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(terminalId, c, e.index, e.hash, e.txId, o.status, o.reason ?? null, e.record, e.time, now);
        outcomes.push(o);
      }
      this.sql('DELETE FROM held WHERE terminal_id = ? AND chain = ? AND idx <= ?').run(...key, plan.lastIndex);
      if (head.retired) this.sql('UPDATE retired_chains SET last_index = ?, last_hash = ? WHERE terminal_id = ? AND chain = ?').run(plan.lastIndex, plan.lastHash, terminalId, c);
      else this.sql('UPDATE terminals SET last_index = ?, last_hash = ? WHERE terminal_id = ?').run(plan.lastIndex, plan.lastHash, terminalId);
      for (const i of incidents.reports) storeIncident(this.db, i);
      return { upTo: plan.lastIndex, outcomes, held: plan.held, denylistChanged: flags.denied, ...(head.retired ? { retired: true as const } : {}) };
    });
  }

  // ---- deny list and versions ----

  async deny(purseId: string, reason: string, now: number): Promise<DenyList & { added: boolean }> {
    const added = this.tx(() => this.denyInTx(purseId, reason, now));
    return { ...(await this.denyList()), added };
  }

  async denyList(): Promise<DenyList> {
    return this.readDenyList();
  }

  async nextDenyList(): Promise<DenyList> {
    // BEGIN IMMEDIATE: the bump and the read are one snapshot, serialised against every other writer.
    return this.tx(() => {
      this.bumpVersion('denylist');
      return this.readDenyList();
    });
  }

  async recordSigned(series: string, version: number, bytes: Uint8Array): Promise<void> {
    // Keeps only the newest: a slower signer of an older version never overwrites a newer one.
    this.db
      .prepare(
        `INSERT INTO signed_fleet (series, version, bytes) VALUES (?, ?, ?)
         ON CONFLICT (series) DO UPDATE SET version = excluded.version, bytes = excluded.bytes WHERE excluded.version > signed_fleet.version`,
      )
      .run(series, version, Buffer.from(bytes));
  }

  async newestSigned(series: string): Promise<{ version: number; bytes: Uint8Array } | undefined> {
    const r = this.sql('SELECT version, bytes FROM signed_fleet WHERE series = ?').get(series) as Row | undefined;
    return r ? { version: r.version as number, bytes: u8(r.bytes) } : undefined;
  }

  private readDenyList(): DenyList {
    const v = this.sql("SELECT version FROM versions WHERE series = 'denylist'").get() as Row | undefined;
    const version = (v?.version as number | undefined) ?? 0;
    const ids = (this.sql('SELECT purse_id FROM denylist ORDER BY purse_id').all() as Row[]).map((r) => r.purse_id as string);
    const unpublished = (this.sql('SELECT count(*) AS n FROM denylist WHERE version > ?').get(version) as Row).n as number;
    return { version, purseIds: ids, unpublished };
  }

  async nextVersion(series: string): Promise<number> {
    return this.tx(() => this.bumpVersion(series));
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
      this.db
        .prepare(
          `SELECT a.id AS account, substr(a.id, 10) AS merchant_id, a.balance AS balance,
             (SELECT count(*) FROM settlements s WHERE s.merchant_id = substr(a.id, 10)) AS n,
             (SELECT coalesce(sum(amount), 0) FROM settlements s WHERE s.merchant_id = substr(a.id, 10)) AS amount
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
    // SQLite keeps a balance column beside the postings: it must agree with them.
    return runAudit(async (sql) => this.sql(sql).all() as Row[], [BALANCE_CHECK]);
  }

  async trialBalance(): Promise<number> {
    return (this.sql('SELECT coalesce(sum(amount), 0) AS s FROM postings').get() as Row).s as number;
  }

  private ops: OpsDb | undefined;

  operations(): OpsDb {
    return (this.ops ??= sqliteOps(this.db, (t) => this.transfer(t.kind, t.from, t.to, t.amount, t.ref, t.now, t.idem)));
  }
}
