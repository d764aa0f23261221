// SQLite clearing of one terminal's batch: reads the batch's facts with prepared statements, decides with the pure rules, writes the rows.
import type Database from 'better-sqlite3';
import { TesseraError } from '#common';
import { merchantAccount, purseAccount, type BatchOutcome, type JournalEntry } from './ledger.js';
import { PRIOR_SETTLEMENTS_SQL, entryFromJson, entryToJson, priorOf, priorParams, terminalOf, u8, type Row } from './ledger-rows.js';
import { IncidentTally, storeIncident } from './incidents.js';
import { clearBatch, factsWanted, type BatchFacts, type ChainHead, type BatchWrites, type FactsWanted } from './rules/batch.js';
import { indexesToCompare, planChain } from './rules/chaining.js';
import type { PriorSettlement } from './rules/clearing-rules.js';
import { denyInTx, ensureAccount, postTransfer, type Prepare } from './sqlite-money.js';

/** The head of one chain of a terminal: the current one (terminals row) or a retired one. */
function chainHead(sql: Prepare, terminalId: string, chain: number | undefined): ChainHead {
  const row = sql('SELECT * FROM terminals WHERE terminal_id = ?').get(terminalId) as Row | undefined;
  if (!row) throw new TesseraError('NOT_FOUND', `no terminal ${terminalId}`);
  const t = terminalOf(row);
  if (chain === undefined || chain === t.chain) return { merchantId: t.merchantId, chain: t.chain, retired: false, lastIndex: t.lastIndex, lastHash: t.lastHash };
  const r = sql('SELECT * FROM retired_chains WHERE terminal_id = ? AND chain = ?').get(terminalId, chain) as Row | undefined;
  if (!r) throw new TesseraError('NOT_FOUND', `terminal ${terminalId} has no chain ${chain}`);
  // A retired chain's payments belong to the merchant its certificate named.
  return { merchantId: r.merchant_id as string, chain, retired: true, lastIndex: r.last_index as number, lastHash: u8(r.last_hash) };
}

/** What the rules need of the batch: in-process look-ups are cheap, so one prepared statement per txId, pair and purse. */
function readFacts(sql: Prepare, merchantId: string, want: FactsWanted, now: number): BatchFacts {
  const purses = new Map<string, { status: 'active' | 'closed'; cap: number; spent: number; currency: string }>();
  for (const id of want.purseIds) {
    const r = sql('SELECT status, cap, spent, currency FROM purses WHERE purse_id = ?').get(id) as Row | undefined;
    if (r) purses.set(id, { status: r.status as 'active' | 'closed', cap: r.cap as number, spent: r.spent as number, currency: r.currency as string });
  }
  const first = purses.values().next().value;
  if (first) ensureAccount(sql, merchantAccount(merchantId), 'merchant', first.currency, now, null, merchantId);
  const merchant = sql('SELECT currency FROM accounts WHERE id = ?').get(merchantAccount(merchantId)) as Row | undefined;
  const settled = new Map<string, PriorSettlement>();
  const add = (r: Row): PriorSettlement => {
    const s = priorOf(r);
    settled.set(s.txId, s);
    return s;
  };
  for (const txId of want.txIds) {
    const r = sql('SELECT * FROM settlements WHERE tx_id = ?').get(txId) as Row | undefined;
    if (r) add(r);
  }
  // A sequence above the purse's highest settled one (the usual case: new payments) has no twin and
  // no later neighbour, and the highest is its nearest below: the purse's highest is all it needs.
  const highest = new Map<string, number>();
  for (const id of want.purseIds) {
    const r = sql('SELECT * FROM settlements WHERE purse_id = ? ORDER BY seq DESC LIMIT 1').get(id) as Row | undefined;
    if (r) highest.set(id, add(r).seq);
  }
  const prior = sql(PRIOR_SETTLEMENTS_SQL);
  for (const p of want.pairs) {
    if (p.seq <= (highest.get(p.purseId) ?? -Infinity)) for (const r of prior.all(...priorParams(p.purseId, p.seq)) as Row[]) add(r);
  }
  return { settled: [...settled.values()], purses, merchantCurrency: merchant?.currency as string | undefined };
}

/** Writes what the pass decided; true when a fraud put a purse on the deny list. */
function writeBatch(sql: Prepare, terminalId: string, head: ChainHead, w: BatchWrites, now: number): boolean {
  const ch = head.chain;
  let denied = false;
  for (const f of w.frauds) {
    const e = f.entry;
    sql(
      `INSERT OR IGNORE INTO fraud_cases (purse_id, kind, detail, first_tx, second_tx, first_payment, second_payment, terminal_id, idx, amount, opened_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(f.payment.purseId, f.fraud, f.detail, f.first?.txId ?? null, e.txId, f.first ? Buffer.from(f.first.payment) : null, e.payment, e.terminalId, e.index, f.payment.charged, now);
    if (denyInTx(sql, f.payment.purseId, `fraud: ${f.fraud}`, now)) denied = true;
  }
  for (const e of w.holds) sql('INSERT INTO held (terminal_id, chain, idx, entry) VALUES (?, ?, ?, ?)').run(terminalId, ch, e.index, entryToJson(e));
  for (const i of w.unheld) sql('DELETE FROM held WHERE terminal_id = ? AND chain = ? AND idx = ?').run(terminalId, ch, i);
  const record = sql('INSERT INTO records (terminal_id, chain, idx, hash, tx_id, status, reason, record, time, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const settlement = sql(
    `INSERT INTO settlements (tx_id, purse_id, seq, cumulative, authorised, amount, terminal_id, merchant_id, chain, idx, payment, transfer_id, settled_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const settled = new Map(w.settlements.map((s) => [s.entry.index, s]));
  for (const r of w.records) {
    const e = r.entry;
    const s = settled.get(e.index);
    if (s) {
      const v = s.payment;
      // rules/batch.ts checked both sides' currency; the txId is the transfer's idempotency id.
      const transferId = postTransfer(sql, 'settle', purseAccount(v.purseId), merchantAccount(head.merchantId), v.charged, e.txId, now, `settle:${e.txId}`);
      settlement.run(e.txId, v.purseId, v.seq, v.cumulative, v.authorised, v.charged, terminalId, head.merchantId, ch, e.index, e.payment, transferId, now);
    }
    record.run(terminalId, ch, e.index, e.hash, e.txId, r.status, r.reason, e.record, e.time, now);
  }
  for (const [purseId, amount] of w.spent) sql('UPDATE purses SET spent = spent + ? WHERE purse_id = ?').run(amount, purseId);
  return denied;
}

/** Chains, de-duplicates and clears one terminal's batch inside the caller's write transaction. */
export function applyJournal(db: Database.Database, sql: Prepare, terminalId: string, entries: JournalEntry[], now: number, chain?: number): BatchOutcome {
  const head = chainHead(sql, terminalId, chain);
  const ch = head.chain;
  const held = new Map((sql('SELECT entry FROM held WHERE terminal_id = ? AND chain = ?').all(terminalId, ch) as Row[]).map((r) => {
    const e = entryFromJson(r.entry as string);
    return [e.index, e] as const;
  }));
  const recorded = new Map<number, Uint8Array>();
  for (const i of indexesToCompare(head.lastIndex, entries)) {
    const old = sql('SELECT hash FROM records WHERE terminal_id = ? AND chain = ? AND idx = ?').get(terminalId, ch, i) as Row | undefined;
    if (old) recorded.set(i, u8(old.hash));
  }
  const plan = planChain(head, entries, held, recorded);
  const incidents = new IncidentTally(terminalId, now);
  const w = clearBatch(plan, ch, head.merchantId, readFacts(sql, head.merchantId, factsWanted(plan), now), incidents);
  const denied = writeBatch(sql, terminalId, head, w, now);
  if (held.size > 0 || w.holds.length > 0) sql('DELETE FROM held WHERE terminal_id = ? AND chain = ? AND idx <= ?').run(terminalId, ch, plan.lastIndex);
  if (head.retired) sql('UPDATE retired_chains SET last_index = ?, last_hash = ? WHERE terminal_id = ? AND chain = ?').run(plan.lastIndex, plan.lastHash, terminalId, ch);
  else sql('UPDATE terminals SET last_index = ?, last_hash = ? WHERE terminal_id = ?').run(plan.lastIndex, plan.lastHash, terminalId);
  for (const i of incidents.reports) storeIncident(db, i);
  return { upTo: plan.lastIndex, outcomes: w.outcomes, held: plan.held, denylistChanged: denied, ...(head.retired ? { retired: true as const } : {}) };
}
