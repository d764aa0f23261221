// PostgreSQL ledger: the Ledger interface over a connection pool, for operators who run PostgreSQL and several clearing workers.
import pg from 'pg';
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
} from '../ledger.js';
import { ZERO_HASH, accountOf, chainOf, fraudCaseOf, purseOf, settlementOf, terminalOf, u8 } from '../ledger-rows.js';
import { incidentOf } from '../incidents.js';
import { runAudit, type LedgerAudit } from '../ledger-audit.js';
import { isRetry, type TransferShape } from '../rules/transfers.js';
import { applyJournal, storeIncident } from './clearing.js';
import { migrate } from './migrations.js';
import { pgOps } from './ops-queries.js';
import type { OpsDb } from '../ops/db.js';
import { ACCOUNT_SELECT, PURSE_SELECT, account, bumpVersion, denyInTx, ensureAccount, lockAccounts, purse, readDenyList, transfer } from './money.js';
import { TYPES, all, inTransaction, one, type Client } from './sql.js';

export interface PgLedgerOptions {
  /** Connections this process keeps open (each clearing batch holds one for its transaction). */
  maxConnections?: number;
}

export class PgLedger implements Ledger {
  /**
   * Transactions run again after a deadlock (40P01) or serialization failure (40001). With locks in a
   * fixed order there should be none: operators and tests watch this.
   */
  readonly retried = { deadlock: 0, serialization: 0 };

  private constructor(private readonly pool: pg.Pool) {}

  /** Connects and applies pending migrations (each in its own transaction; concurrent openers wait for each other). */
  static async open(url: string, opts: PgLedgerOptions = {}): Promise<PgLedger> {
    const pool = new pg.Pool({ connectionString: url, max: opts.maxConnections ?? 4, types: TYPES });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    try {
      const c = await pool.connect();
      try {
        await migrate(c);
      } finally {
        c.release();
      }
    } catch (err) {
      await pool.end();
      if (err instanceof TesseraError) throw err;
      throw new TesseraError('DB_UNREACHABLE', `cannot open the PostgreSQL ledger: ${(err as Error).message}`, { cause: err });
    }
    return new PgLedger(pool);
  }

  private tx<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn, (code) => (code === '40P01' ? this.retried.deadlock++ : this.retried.serialization++));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  // ---- accounts ----

  async createAccount(a: { id: string; kind: AccountKind; name?: string; currency: string }, now: number): Promise<Account> {
    return this.tx(async (c) => {
      if (!(await ensureAccount(c, a.id, a.kind, a.currency, now, a.name ?? null))) throw new TesseraError('ALREADY_EXISTS', `account ${a.id} exists`);
      return (await account(c, a.id)) as Account;
    });
  }

  async getAccount(id: string): Promise<Account | undefined> {
    return account(this.pool, id);
  }

  async listAccounts(): Promise<Account[]> {
    return (await all(this.pool, `${ACCOUNT_SELECT} ORDER BY a.kind COLLATE "C", a.id COLLATE "C"`)).map(accountOf);
  }

  async fund(id: string, amount: number, memo: string, now: number, transferId?: string): Promise<Account> {
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new TesseraError('USAGE', `amount must be a positive integer of minor units, got ${amount}`);
    return this.tx(async (c) => {
      const idem = transferId === undefined ? null : `fund:${transferId}`;
      // Serialises two retries of one id running at once: the second sees the first's transfer (and balance).
      if (idem !== null) await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [idem]);
      const a = await account(c, id);
      if (!a || a.kind !== 'customer') throw new TesseraError('NOT_FOUND', `no customer account ${id}`);
      if (idem !== null) {
        const prior = (await one(c, 'SELECT kind, credit, amount FROM transfers WHERE idem = $1', [idem])) as TransferShape | undefined;
        if (isRetry(idem, prior, { kind: 'fund', credit: id, amount })) return a;
      }
      await ensureAccount(c, EXTERNAL_ACCOUNT, 'external', a.currency, now);
      await transfer(c, 'fund', EXTERNAL_ACCOUNT, id, amount, memo, now, idem);
      return (await account(c, id)) as Account;
    });
  }

  // ---- terminals ----

  async registerTerminal(t: Omit<TerminalRecord, 'lastIndex' | 'lastHash' | 'chain'>, now: number, replace = false): Promise<void> {
    await this.tx(async (c) => {
      const lock = () => one(c, 'SELECT * FROM terminals WHERE terminal_id = $1 FOR UPDATE', [t.terminalId]);
      let old = await lock();
      if (!old) {
        const r = await c.query(
          `INSERT INTO terminals (terminal_id, merchant_id, display_name, mode, public_key, cert, not_after, operator_id, line, last_index, last_hash, created_at, chain)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, 1) ON CONFLICT (terminal_id) DO NOTHING`,
          [t.terminalId, t.merchantId, t.displayName, t.mode, Buffer.from(t.publicKey), t.cert, t.notAfter, t.operatorId, t.line, Buffer.from(ZERO_HASH), now],
        );
        if ((r.rowCount ?? 0) > 0) return;
        // Another process enrolled it in the meantime: continue as a re-enrolment.
        old = (await lock()) as NonNullable<typeof old>;
      }
      // A re-issued certificate for the same key keeps the chain; a new key starts a new chain.
      const sameKey = equalBytes(u8(old.public_key), t.publicKey);
      if (!sameKey && !replace) throw new TesseraError('ALREADY_EXISTS', `terminal ${t.terminalId} is enrolled with another key (re-enrol with --replace)`);
      if (!sameKey) {
        const cur = terminalOf(old);
        const reused = await one(c, 'SELECT chain FROM retired_chains WHERE terminal_id = $1 AND public_key = $2', [cur.terminalId, Buffer.from(t.publicKey)]);
        if (reused) throw new TesseraError('ALREADY_EXISTS', `terminal ${cur.terminalId} already used this key for chain ${String(reused.chain)}; enrol a fresh key`);
        // The retired chain keeps its key and head, so its records stay verifiable and late ones still clear.
        await c.query(
          'INSERT INTO retired_chains (terminal_id, chain, merchant_id, mode, public_key, cert, last_index, last_hash, retired_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          [cur.terminalId, cur.chain, cur.merchantId, cur.mode, Buffer.from(cur.publicKey), cur.cert, cur.lastIndex, Buffer.from(cur.lastHash), now],
        );
      }
      const params = [t.merchantId, t.displayName, t.mode, Buffer.from(t.publicKey), t.cert, t.notAfter, t.operatorId, t.line, t.terminalId];
      await c.query(
        `UPDATE terminals SET merchant_id = $1, display_name = $2, mode = $3, public_key = $4, cert = $5, not_after = $6, operator_id = $7, line = $8
         ${sameKey ? '' : ', last_index = 0, last_hash = $10, chain = chain + 1'} WHERE terminal_id = $9`,
        sameKey ? params : [...params, Buffer.from(ZERO_HASH)],
      );
    });
  }

  async getTerminal(id: string): Promise<TerminalRecord | undefined> {
    const r = await one(this.pool, 'SELECT * FROM terminals WHERE terminal_id = $1', [id]);
    return r ? terminalOf(r) : undefined;
  }

  async listTerminals(): Promise<TerminalRecord[]> {
    return (await all(this.pool, 'SELECT * FROM terminals ORDER BY terminal_id COLLATE "C"')).map(terminalOf);
  }

  async chains(terminalId: string): Promise<ChainRecord[]> {
    // One snapshot: a re-enrolment between two reads must not show a chain twice or not at all.
    return this.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const retired = (await all(c, 'SELECT * FROM retired_chains WHERE terminal_id = $1 ORDER BY chain', [terminalId])).map((r) => chainOf(r, r.retired_at as number));
      const cur = await one(c, 'SELECT * FROM terminals WHERE terminal_id = $1', [terminalId]);
      return cur ? [...retired, chainOf(cur, null)] : retired;
    });
  }

  async chainRecords(terminalId: string, chain: number): Promise<StoredRecord[]> {
    const rows = await all(this.pool, 'SELECT idx, hash, status, record FROM records WHERE terminal_id = $1 AND chain = $2 ORDER BY idx', [terminalId, chain]);
    return rows.map((r) => ({ index: r.idx as number, hash: u8(r.hash), status: r.status as AckStatus, record: u8(r.record) }));
  }

  async setTerminalRoute(id: string, operatorId: string | null, line: string | null): Promise<void> {
    const r = await this.pool.query('UPDATE terminals SET operator_id = $1, line = $2 WHERE terminal_id = $3', [operatorId, line, id]);
    if (r.rowCount === 0) throw new TesseraError('NOT_FOUND', `no terminal ${id}`);
  }

  // ---- purses ----

  async createPurse(p: Omit<PurseRecord, 'status' | 'spent' | 'reserved'>, now: number): Promise<PurseRecord> {
    return this.tx(async (c) => {
      // The debited account is locked before its balance is read and before anything references it.
      await lockAccounts(c, [p.account]);
      const a = await account(c, p.account);
      if (!a || a.kind !== 'customer') throw new TesseraError('NOT_FOUND', `no customer account ${p.account}`);
      if (a.currency !== p.currency) throw new TesseraError('USAGE', `account ${p.account} holds ${a.currency}, not ${p.currency}`);
      if (a.balance < p.cap) throw new TesseraError('INSUFFICIENT_FUNDS', `account ${p.account} has ${a.balance}, the purse cap is ${p.cap}`);
      await ensureAccount(c, purseAccount(p.purseId), 'purse', p.currency, now);
      await c.query(
        `INSERT INTO purses (purse_id, account, currency, cap, per_payment_limit, wallet_key, not_before, not_after, cert, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [p.purseId, p.account, p.currency, p.cap, p.perPaymentLimit, p.walletKey, p.notBefore, p.notAfter, p.cert, now],
      );
      await transfer(c, 'reserve', p.account, purseAccount(p.purseId), p.cap, p.purseId, now);
      return (await purse(c, p.purseId)) as PurseRecord;
    });
  }

  async getPurse(id: string): Promise<PurseRecord | undefined> {
    return purse(this.pool, id);
  }

  async listPurses(): Promise<PurseRecord[]> {
    return (await all(this.pool, `${PURSE_SELECT} ORDER BY s.created_at, s.purse_id COLLATE "C"`)).map(purseOf);
  }

  async expirePurses(now: number, graceSeconds: number): Promise<{ purseId: string; returned: number }[]> {
    return this.tx(async (c) => {
      // Purse rows first, in id order, as clearing takes them.
      const due = await all(c, "SELECT purse_id FROM purses WHERE status = 'active' AND not_after + $1 < $2 ORDER BY purse_id COLLATE \"C\" FOR UPDATE", [graceSeconds, now]);
      const out: { purseId: string; returned: number }[] = [];
      for (const r of due) {
        const p = (await purse(c, r.purse_id as string)) as PurseRecord;
        if (p.reserved > 0) await transfer(c, 'expire', purseAccount(p.purseId), p.account, p.reserved, p.purseId, now);
        await c.query("UPDATE purses SET status = 'closed' WHERE purse_id = $1", [p.purseId]);
        out.push({ purseId: p.purseId, returned: p.reserved });
      }
      return out;
    });
  }

  // ---- clearing ----

  async applyJournal(terminalId: string, entries: JournalEntry[], now: number, chain?: number): Promise<BatchOutcome> {
    return this.tx((c) => applyJournal(c, terminalId, entries, now, chain));
  }

  async recordIncident(i: IncidentReport): Promise<void> {
    // The per-terminal count and the merge are one decision: serialise reports of one terminal.
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incident:${i.kind === 'unknown-terminal' ? i.kind : i.terminalId}`]);
      await storeIncident(c, i);
    });
  }

  // ---- deny list and versions ----

  async deny(purseId: string, reason: string, now: number): Promise<DenyList & { added: boolean }> {
    return this.tx(async (c) => {
      const added = await denyInTx(c, purseId, reason, now);
      return { ...(await readDenyList(c)), added };
    });
  }

  async denyList(): Promise<DenyList> {
    return this.tx((c) => readDenyList(c));
  }

  async nextDenyList(): Promise<DenyList> {
    // The bump locks the version row until commit: a concurrent deny waits, so the list read here is complete for this version.
    return this.tx(async (c) => {
      await bumpVersion(c, 'denylist');
      return readDenyList(c);
    });
  }

  async recordSigned(series: string, version: number, bytes: Uint8Array): Promise<void> {
    // Keeps only the newest: a slower signer of an older version never overwrites a newer one.
    await this.pool.query(
      `INSERT INTO signed_fleet (series, version, bytes) VALUES ($1, $2, $3)
       ON CONFLICT (series) DO UPDATE SET version = excluded.version, bytes = excluded.bytes WHERE excluded.version > signed_fleet.version`,
      [series, version, Buffer.from(bytes)],
    );
  }

  async newestSigned(series: string): Promise<{ version: number; bytes: Uint8Array } | undefined> {
    const r = await one(this.pool, 'SELECT version, bytes FROM signed_fleet WHERE series = $1', [series]);
    return r ? { version: r.version as number, bytes: u8(r.bytes) } : undefined;
  }

  async nextVersion(series: string): Promise<number> {
    return this.tx((c) => bumpVersion(c, series));
  }

  // ---- reports ----

  async purseSettlements(purseId: string, afterSeq: number, limit: number): Promise<Settlement[]> {
    return (await all(this.pool, 'SELECT * FROM settlements WHERE purse_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [purseId, afterSeq, limit])).map(settlementOf);
  }

  async settlements(): Promise<Settlement[]> {
    return (await all(this.pool, 'SELECT * FROM settlements ORDER BY settled_at, terminal_id COLLATE "C", idx')).map(settlementOf);
  }

  async merchantTotals(): Promise<MerchantTotal[]> {
    const rows = await all(
      this.pool,
      `SELECT substr(a.id, 10) AS merchant_id,
         coalesce((SELECT sum(p.amount) FROM postings p WHERE p.account = a.id), 0)::bigint AS balance,
         (SELECT count(*) FROM settlements s WHERE s.merchant_id = substr(a.id, 10)) AS n,
         coalesce((SELECT sum(amount) FROM settlements s WHERE s.merchant_id = substr(a.id, 10)), 0)::bigint AS amount
       FROM accounts a WHERE a.kind = 'merchant' ORDER BY a.id COLLATE "C"`,
    );
    return rows.map((r) => ({ merchantId: r.merchant_id as string, count: r.n as number, amount: r.amount as number, balance: r.balance as number }));
  }

  async fraudCases(): Promise<FraudCase[]> {
    return (await all(this.pool, 'SELECT * FROM fraud_cases ORDER BY id')).map(fraudCaseOf);
  }

  async incidents(): Promise<Incident[]> {
    return (await all(this.pool, 'SELECT * FROM incidents ORDER BY id')).map(incidentOf);
  }

  async audit(): Promise<LedgerAudit> {
    // One snapshot for every check: clearing may commit while the audit reads.
    return this.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      return runAudit((sql) => all(c, sql));
    });
  }

  async trialBalance(): Promise<number> {
    return ((await one(this.pool, 'SELECT coalesce(sum(amount), 0)::bigint AS s FROM postings')) as { s: number }).s;
  }

  operations(): OpsDb {
    return pgOps((fn) => this.tx(fn));
  }
}
