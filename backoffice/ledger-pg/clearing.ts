// PostgreSQL clearing of one terminal's batch: locks in a fixed order, reads facts and writes rows set-based, decides with the pure rules.
import { TesseraError } from '#common';
import { INCIDENT_CAP, INCIDENT_WINDOW, IncidentTally, incidentParams } from '../incidents.js';
import { merchantAccount, type BatchOutcome, type IncidentReport, type JournalEntry } from '../ledger.js';
import { entryFromJson, entryToJson, priorOf, terminalOf, u8, type Row } from '../ledger-rows.js';
import { clearBatch, factsWanted, type BatchFacts, type ChainHead, type BatchWrites, type FactsWanted } from '../rules/batch.js';
import { indexesToCompare, planChain, type ChainPlan } from '../rules/chaining.js';
import { denyInTx } from './money.js';
import { all, exec, one, type Client } from './sql.js';

/** Locks and reads the head of one chain: the terminal row first, then a retired chain's row (always this order). */
async function lockHead(c: Client, terminalId: string, chain: number | undefined): Promise<ChainHead> {
  const row = await one(c, 'SELECT * FROM terminals WHERE terminal_id = $1 FOR UPDATE', [terminalId]);
  if (!row) throw new TesseraError('NOT_FOUND', `no terminal ${terminalId}`);
  const t = terminalOf(row);
  if (chain === undefined || chain === t.chain) return { merchantId: t.merchantId, chain: t.chain, retired: false, lastIndex: t.lastIndex, lastHash: t.lastHash };
  const r = await one(c, 'SELECT * FROM retired_chains WHERE terminal_id = $1 AND chain = $2 FOR UPDATE', [terminalId, chain]);
  if (!r) throw new TesseraError('NOT_FOUND', `terminal ${terminalId} has no chain ${chain}`);
  // A retired chain's payments belong to the merchant its certificate named.
  return { merchantId: r.merchant_id as string, chain, retired: true, lastIndex: r.last_index as number, lastHash: u8(r.last_hash) };
}

/** The held records of a chain and the stored hashes the plan compares, in one round trip (the terminal row is locked). */
const CHAIN_STATE_SQL = `
SELECT idx, NULL::bytea AS hash, entry FROM held WHERE terminal_id = $1 AND chain = $2
UNION ALL SELECT idx, hash, NULL FROM records WHERE terminal_id = $1 AND chain = $2 AND idx = ANY($3::bigint[])`;

/**
 * Inserts the merchant account the batch credits (unless it exists) and returns its currency. A
 * conflicting insert by a concurrent batch that committed after this statement's snapshot leaves
 * no row here: the caller reads it again.
 */
const MERCHANT_ACCOUNT_SQL = `
WITH ins AS (
  INSERT INTO accounts (id, kind, name, currency, created_at, merchant_id)
  SELECT $1, 'merchant', NULL, currency, $2, $4 FROM purses WHERE purse_id = ANY($3::text[]) LIMIT 1
  ON CONFLICT (id) DO NOTHING RETURNING currency)
SELECT currency FROM ins UNION ALL SELECT currency FROM accounts WHERE id = $1`;

/** Locks the batch's purses in byte order and reads what the rules need of them (the locked, newest versions). */
const LOCK_PURSES_SQL = 'SELECT purse_id, status, cap, spent, currency FROM purses WHERE purse_id = ANY($1::text[]) ORDER BY purse_id COLLATE "C" FOR UPDATE';

/**
 * The stored settlements the rules need for the whole batch: those with its txIds, each purse's
 * highest, and for a (purse, seq) pair at or below that highest the same sequence and the nearest
 * below and above (index look-ups on (purse_id, seq), as PRIOR_SETTLEMENTS_SQL does for one). A
 * sequence above the purse's highest (the usual case: new payments) has no twin and no later
 * neighbour, and the highest is its nearest below. Every read is a primary-key or (purse_id, seq)
 * index look-up through LATERAL, whatever plan a prepared statement settles on.
 */
const SETTLED_SQL = `
WITH q AS (SELECT DISTINCT * FROM unnest($2::text[], $3::bigint[]) AS q0(purse_id, seq)),
top AS (
  SELECT h.purse_id, h.tx_id, h.seq FROM (SELECT DISTINCT purse_id FROM q) AS p CROSS JOIN LATERAL
    (SELECT purse_id, tx_id, seq FROM settlements WHERE purse_id = p.purse_id ORDER BY seq DESC LIMIT 1) AS h),
near AS (
  SELECT n.tx_id FROM q JOIN top ON top.purse_id = q.purse_id AND q.seq <= top.seq CROSS JOIN LATERAL (
    (SELECT tx_id FROM settlements WHERE purse_id = q.purse_id AND seq = q.seq)
    UNION ALL (SELECT tx_id FROM settlements WHERE purse_id = q.purse_id AND seq < q.seq ORDER BY seq DESC LIMIT 1)
    UNION ALL (SELECT tx_id FROM settlements WHERE purse_id = q.purse_id AND seq > q.seq ORDER BY seq LIMIT 1)) AS n),
ids AS (SELECT tx_id FROM unnest($1::text[]) AS x(tx_id) UNION SELECT tx_id FROM top UNION SELECT tx_id FROM near)
SELECT s.tx_id, s.purse_id, s.seq, s.cumulative, s.authorised, s.terminal_id, s.chain, s.idx, s.payment
FROM ids CROSS JOIN LATERAL (SELECT * FROM settlements WHERE settlements.tx_id = ids.tx_id) AS s`;

/**
 * Every row a batch appends, in one statement: its records; one settle transfer per settlement
 * (idempotency id settle:<txId>), their two postings each, the settlements pointing at them; the
 * purses' spent; the chain head. $1 terminal, $2 chain, $3 now, $4 merchant id, $5 merchant account,
 * $6 new head index, $7 head hash, $8..$14 records, $15..$22 settlements, $23..$24 spent per purse.
 */
const writeSql = (retired: boolean) => `
WITH r AS (
  INSERT INTO records (terminal_id, chain, idx, hash, tx_id, status, reason, record, time, processed_at)
  SELECT $1, $2, u.idx, u.hash, u.tx_id, u.status, u.reason, u.record, u.time, $3
  FROM unnest($8::bigint[], $9::bytea[], $10::text[], $11::text[], $12::text[], $13::bytea[], $14::bigint[]) AS u(idx, hash, tx_id, status, reason, record, time)),
u AS (SELECT * FROM unnest($15::text[], $16::text[], $17::bigint[], $18::bigint[], $19::bigint[], $20::bigint[], $21::bigint[], $22::bytea[])
  AS u(tx_id, purse_id, amount, seq, cumulative, authorised, idx, payment)),
t AS (
  INSERT INTO transfers (kind, debit, credit, amount, ref, created_at, idem)
  SELECT 'settle', 'purse:' || u.purse_id, $5, u.amount, u.tx_id, $3, 'settle:' || u.tx_id FROM u ORDER BY u.idx
  RETURNING id, debit, credit, amount, ref),
p AS (
  INSERT INTO postings (transfer_id, account, amount)
  SELECT id, debit, -amount FROM t UNION ALL SELECT id, credit, amount FROM t),
s AS (
  INSERT INTO settlements (tx_id, purse_id, seq, cumulative, authorised, amount, terminal_id, merchant_id, chain, idx, payment, transfer_id, settled_at)
  SELECT u.tx_id, u.purse_id, u.seq, u.cumulative, u.authorised, u.amount, $1, $4, $2, u.idx, u.payment, t.id, $3 FROM u JOIN t ON t.ref = u.tx_id),
sp AS (
  UPDATE purses SET spent = purses.spent + d.amount FROM unnest($23::text[], $24::bigint[]) AS d(purse_id, amount) WHERE purses.purse_id = d.purse_id)
${
  retired
    ? 'UPDATE retired_chains SET last_index = $6, last_hash = $7 WHERE terminal_id = $1 AND chain = $2'
    : 'UPDATE terminals SET last_index = $6, last_hash = $7 WHERE terminal_id = $1'
}`;

/**
 * Merchant accounts this process has seen committed, with their currency: accounts are never
 * deleted, so a batch for one of them skips the insert (a round trip). `seen` collects what a
 * transaction found; the ledger adds it to `committed` only once that transaction committed.
 */
export interface MerchantAccounts {
  committed: ReadonlyMap<string, string>;
  seen: Map<string, string>;
}

/** The merchant account's currency, creating the account first when the batch is its first credit. */
async function merchantCurrency(c: Client, merchantId: string, purseIds: string[], now: number, known: MerchantAccounts): Promise<string | undefined> {
  const id = merchantAccount(merchantId);
  const cached = known.committed.get(id);
  if (cached !== undefined) return cached;
  const row = (await one(c, MERCHANT_ACCOUNT_SQL, [id, now, purseIds, merchantId])) ?? (await one(c, 'SELECT currency FROM accounts WHERE id = $1', [id]));
  const currency = row?.currency as string | undefined;
  if (currency !== undefined) known.seen.set(id, currency);
  return currency;
}

/** Reads the batch's facts and locks its purses, in the fixed order: the merchant account's insertion, then the purses. */
async function readFacts(c: Client, merchantId: string, want: FactsWanted, now: number, known: MerchantAccounts): Promise<BatchFacts> {
  if (want.purseIds.length === 0) return { settled: [], purses: new Map(), merchantCurrency: undefined };
  // A new merchant account is inserted before any purse lock: a concurrent batch inserting the same
  // account waits here holding only its own terminal's lock, never a purse this batch wants.
  const currency = await merchantCurrency(c, merchantId, want.purseIds, now, known);
  const purses = new Map(
    (await all(c, LOCK_PURSES_SQL, [want.purseIds])).map((r) => [
      r.purse_id as string,
      { status: r.status as 'active' | 'closed', cap: r.cap as number, spent: r.spent as number, currency: r.currency as string },
    ]),
  );
  const settled = (await all(c, SETTLED_SQL, [want.txIds, want.pairs.map((p) => p.purseId), want.pairs.map((p) => p.seq)])).map(priorOf);
  return { settled, purses, merchantCurrency: currency };
}

/** The rare rows (fraud cases and denials, held records) one statement each; true when the deny list grew. */
async function writeExceptions(c: Client, terminalId: string, chain: number, w: BatchWrites, now: number): Promise<boolean> {
  let denied = false;
  for (const f of w.frauds) {
    const e = f.entry;
    await exec(c,
      `INSERT INTO fraud_cases (purse_id, kind, detail, first_tx, second_tx, first_payment, second_payment, terminal_id, idx, amount, opened_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (second_tx) DO NOTHING`,
      [f.payment.purseId, f.fraud, f.detail, f.first?.txId ?? null, e.txId, f.first ? Buffer.from(f.first.payment) : null, Buffer.from(e.payment), e.terminalId, e.index, f.payment.charged, now],
    );
    if (await denyInTx(c, f.payment.purseId, `fraud: ${f.fraud}`, now)) denied = true;
  }
  for (const e of w.holds) await exec(c, 'INSERT INTO held (terminal_id, chain, idx, entry) VALUES ($1, $2, $3, $4)', [terminalId, chain, e.index, entryToJson(e)]);
  for (const e of w.unheld) await exec(c, 'DELETE FROM held WHERE terminal_id = $1 AND chain = $2 AND idx = $3', [terminalId, chain, e]);
  return denied;
}

/** The batch's records, settlements (with their transfers and postings), purses' spent and the chain head: one statement. */
async function writeBatch(c: Client, terminalId: string, head: ChainHead, plan: ChainPlan, w: BatchWrites, now: number): Promise<void> {
  const rec = w.records;
  const set = w.settlements;
  await exec(c, writeSql(head.retired), [
    terminalId,
    head.chain,
    now,
    head.merchantId,
    merchantAccount(head.merchantId),
    plan.lastIndex,
    Buffer.from(plan.lastHash),
    rec.map((r) => r.entry.index),
    rec.map((r) => Buffer.from(r.entry.hash)),
    rec.map((r) => r.entry.txId),
    rec.map((r) => r.status),
    rec.map((r) => r.reason),
    rec.map((r) => Buffer.from(r.entry.record)),
    rec.map((r) => r.entry.time),
    set.map((s) => s.entry.txId),
    set.map((s) => s.payment.purseId),
    set.map((s) => s.payment.charged),
    set.map((s) => s.payment.seq),
    set.map((s) => s.payment.cumulative),
    set.map((s) => s.payment.authorised),
    set.map((s) => s.entry.index),
    set.map((s) => Buffer.from(s.entry.payment)),
    [...w.spent.keys()],
    [...w.spent.values()],
  ]);
}

/**
 * Chains, de-duplicates and clears one terminal's batch in the caller's transaction, set-based: a
 * fixed number of statements per batch whatever its size (rules/batch.ts decides in memory). Locks,
 * in this order: the terminal (and retired chain) row, the merchant account's insertion when it is
 * new, every purse the batch's appended payments name (byte order), then (only on a fraud) the
 * deny-list version row. Every writer takes its locks in the same order, so concurrent batches queue
 * instead of deadlocking.
 */
export async function applyJournal(c: Client, terminalId: string, entries: JournalEntry[], now: number, chain: number | undefined, known: MerchantAccounts): Promise<BatchOutcome> {
  const head = await lockHead(c, terminalId, chain);
  const ch = head.chain;
  const held = new Map<number, JournalEntry>();
  const stored = new Map<number, Uint8Array>();
  for (const r of await all(c, CHAIN_STATE_SQL, [terminalId, ch, indexesToCompare(head.lastIndex, entries)])) {
    if (r.entry !== null) held.set(r.idx as number, entryFromJson(r.entry as string));
    else stored.set(r.idx as number, u8(r.hash));
  }
  const plan = planChain(head, entries, held, stored);
  const incidents = new IncidentTally(terminalId, now);
  const facts = await readFacts(c, head.merchantId, factsWanted(plan), now, known);
  const w = clearBatch(plan, ch, head.merchantId, facts, incidents);
  const denied = await writeExceptions(c, terminalId, ch, w, now);
  await writeBatch(c, terminalId, head, plan, w, now);
  if ([...held.keys(), ...w.holds.map((e) => e.index)].some((i) => i <= plan.lastIndex)) {
    await exec(c, 'DELETE FROM held WHERE terminal_id = $1 AND chain = $2 AND idx <= $3', [terminalId, ch, plan.lastIndex]);
  }
  // The same per-terminal lock recordIncident takes: the cap count and the merge are one decision.
  if (incidents.reports.length > 0) await exec(c, 'SELECT pg_advisory_xact_lock(hashtext($1))', [`incident:${terminalId}`]);
  for (const i of incidents.reports) await storeIncident(c, i);
  return { upTo: plan.lastIndex, outcomes: w.outcomes, held: plan.held, denylistChanged: denied, ...(head.retired ? { retired: true as const } : {}) };
}

/** incidents.ts's policy on PostgreSQL: one row per report, merged into the latest of its kind once the terminal is over its cap. */
export async function storeIncident(c: Client, i: IncidentReport): Promise<void> {
  const since = i.at - INCIDENT_WINDOW;
  // Unknown terminal ids are unbounded (any topic id), so their cap is fleet-wide.
  const fleetWide = i.kind === 'unknown-terminal';
  const scope = fleetWide ? 'kind = $1' : 'terminal_id = $1';
  const recent = (await one(c, `SELECT count(*) AS n FROM incidents WHERE ${scope} AND at > $2`, [fleetWide ? i.kind : i.terminalId, since])) as Row;
  if ((recent.n as number) >= INCIDENT_CAP) {
    const target = fleetWide
      ? await one(c, 'SELECT id FROM incidents WHERE kind = $1 AND at > $2 ORDER BY id DESC LIMIT 1', [i.kind, since])
      : await one(c, 'SELECT id FROM incidents WHERE terminal_id = $1 AND kind = $2 AND at > $3 ORDER BY id DESC LIMIT 1', [i.terminalId, i.kind, since]);
    if (target) {
      await exec(c, 
        `UPDATE incidents SET count = count + $1, last_at = $2,
           idx = least(coalesce(idx, $3), coalesce($3, idx)), last_idx = greatest(coalesce(last_idx, $4), coalesce($4, last_idx)) WHERE id = $5`,
        [i.count, i.at, i.index, i.lastIndex, target.id],
      );
      return;
    }
  }
  await exec(c, 'INSERT INTO incidents (terminal_id, idx, last_idx, count, kind, detail, at, last_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)', incidentParams(i));
}
