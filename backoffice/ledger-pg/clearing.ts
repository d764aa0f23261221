// PostgreSQL clearing of one terminal's batch: locks in a fixed order, chains, and applies the pure clearing rules.
import { TesseraError } from '#common';
import { INCIDENT_CAP, INCIDENT_WINDOW, IncidentTally, incidentParams } from '../incidents.js';
import { merchantAccount, purseAccount, type BatchOutcome, type EntryOutcome, type IncidentReport, type JournalEntry } from '../ledger.js';
import { PRIOR_SETTLEMENTS_SQL, entryFromJson, priorParams, entryToJson, priorOf, terminalOf, u8, type Row } from '../ledger-rows.js';
import { indexesToCompare, planChain, reportStep } from '../rules/chaining.js';
import { NO_FACTS, decide, needsFacts, outcomeOf, type ClearingDecision, type ClearingFacts } from '../rules/clearing-rules.js';
import { denyInTx, ensureAccount, purse, transfer } from './money.js';
import { all, exec, numbered, one, type Client } from './sql.js';

interface Head {
  merchantId: string;
  chain: number;
  retired: boolean;
  lastIndex: number;
  lastHash: Uint8Array;
}

/** Locks and reads the head of one chain: the terminal row first, then a retired chain's row (always this order). */
async function lockHead(c: Client, terminalId: string, chain: number | undefined): Promise<Head> {
  const row = await one(c, 'SELECT * FROM terminals WHERE terminal_id = $1 FOR UPDATE', [terminalId]);
  if (!row) throw new TesseraError('NOT_FOUND', `no terminal ${terminalId}`);
  const t = terminalOf(row);
  if (chain === undefined || chain === t.chain) return { merchantId: t.merchantId, chain: t.chain, retired: false, lastIndex: t.lastIndex, lastHash: t.lastHash };
  const r = await one(c, 'SELECT * FROM retired_chains WHERE terminal_id = $1 AND chain = $2 FOR UPDATE', [terminalId, chain]);
  if (!r) throw new TesseraError('NOT_FOUND', `terminal ${terminalId} has no chain ${chain}`);
  // A retired chain's payments belong to the merchant its certificate named.
  return { merchantId: r.merchant_id as string, chain, retired: true, lastIndex: r.last_index as number, lastHash: u8(r.last_hash) };
}

const PRIOR_SQL = numbered(PRIOR_SETTLEMENTS_SQL);

async function readFacts(c: Client, txId: string, purseId: string, seq: number): Promise<ClearingFacts> {
  const same = await one(c, 'SELECT * FROM settlements WHERE tx_id = $1', [txId]);
  if (same) return { sameTx: priorOf(same), purse: undefined, prior: [] };
  const prior = (await all(c, PRIOR_SQL, priorParams(purseId, seq))).map(priorOf);
  return { sameTx: undefined, purse: await purse(c, purseId), prior };
}

/** Applies a decision of the rules: a fraud case and a denial, or the settlement transfer. Returns true when the deny list grew. */
async function applyDecision(c: Client, e: JournalEntry, d: ClearingDecision, merchantId: string, now: number): Promise<boolean> {
  const v = e.verdict;
  if (v.kind !== 'payment') return false;
  if (d.kind === 'fraud') {
    await exec(c, 
      `INSERT INTO fraud_cases (purse_id, kind, detail, first_tx, second_tx, first_payment, second_payment, terminal_id, idx, amount, opened_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (second_tx) DO NOTHING`,
      [v.purseId, d.fraud, d.detail, d.first?.txId ?? null, e.txId, d.first ? Buffer.from(d.first.payment) : null, Buffer.from(e.payment), e.terminalId, e.index, v.charged, now],
    );
    return denyInTx(c, v.purseId, `fraud: ${d.fraud}`, now);
  }
  if (d.kind !== 'settle') return false;
  // The purse row (locked at the start of the batch) guards the purse account's balance; the merchant account is only credited.
  const transferId = await transfer(c, 'settle', purseAccount(v.purseId), merchantAccount(merchantId), v.charged, e.txId, now);
  await exec(c, 
    `INSERT INTO settlements (tx_id, purse_id, seq, cumulative, authorised, amount, terminal_id, merchant_id, chain, idx, payment, transfer_id, settled_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [e.txId, v.purseId, v.seq, v.cumulative, v.authorised, v.charged, e.terminalId, merchantId, e.chain, e.index, Buffer.from(e.payment), transferId, now],
  );
  await exec(c, 'UPDATE purses SET spent = spent + $1 WHERE purse_id = $2', [v.charged, v.purseId]);
  return false;
}

/**
 * Chains, de-duplicates and clears one terminal's batch in the caller's transaction. Locks, in this
 * order: the terminal (and retired chain) row, the merchant account's insertion when it is new, every
 * purse the batch or its held records name (sorted), then (only on a fraud) the deny-list version row. Every writer takes its
 * locks in the same order, so concurrent batches queue instead of deadlocking.
 */
export async function applyJournal(c: Client, terminalId: string, entries: JournalEntry[], now: number, chain?: number): Promise<BatchOutcome> {
  const head = await lockHead(c, terminalId, chain);
  const ch = head.chain;
  const held = new Map((await all(c, 'SELECT entry FROM held WHERE terminal_id = $1 AND chain = $2', [terminalId, ch])).map((r) => {
    const e = entryFromJson(r.entry as string);
    return [e.index, e] as const;
  }));
  const purseIds = [...entries, ...held.values()].flatMap((e) => (e.verdict.kind === 'payment' ? [e.verdict.purseId] : []));
  // A new merchant account is inserted before any purse lock: a concurrent batch inserting the same
  // account waits here holding only its own terminal's lock, never a purse this batch wants.
  const currency = (await one(c, 'SELECT currency FROM purses WHERE purse_id = ANY($1) LIMIT 1', [purseIds]))?.currency as string | undefined;
  if (currency !== undefined) await ensureAccount(c, merchantAccount(head.merchantId), 'merchant', currency, now);
  await exec(c, 'SELECT purse_id FROM purses WHERE purse_id = ANY($1) ORDER BY purse_id COLLATE "C" FOR UPDATE', [[...new Set(purseIds)]]);
  const stored = await all(c, 'SELECT idx, hash FROM records WHERE terminal_id = $1 AND chain = $2 AND idx = ANY($3)', [terminalId, ch, indexesToCompare(head.lastIndex, entries)]);
  const plan = planChain(head, entries, held, new Map(stored.map((r) => [r.idx as number, u8(r.hash)])));

  const outcomes: EntryOutcome[] = [];
  let denied = false;
  const incidents = new IncidentTally(terminalId, now);
  for (const step of plan.steps) {
    const e = { ...step.entry, chain: ch };
    const answer = reportStep(step, ch, incidents);
    if (answer) outcomes.push(answer);
    if (step.kind === 'hold' && step.isNew) await exec(c, 'INSERT INTO held (terminal_id, chain, idx, entry) VALUES ($1, $2, $3, $4)', [terminalId, ch, e.index, entryToJson(e)]);
    if (step.kind === 'break' && step.fromHeld) await exec(c, 'DELETE FROM held WHERE terminal_id = $1 AND chain = $2 AND idx = $3', [terminalId, ch, e.index]);
    if (step.kind !== 'append') continue;
    const v = e.verdict;
    const d = decide(e, v, needsFacts(v) ? await readFacts(c, e.txId, v.purseId, v.seq) : NO_FACTS);
    if (d.kind === 'rejected') incidents.add('invalid-payment', e.index, d.reason);
    if (await applyDecision(c, e, d, head.merchantId, now)) denied = true;
    const o: EntryOutcome = { index: e.index, txId: e.txId, ...outcomeOf(d) };
    await exec(c, 
      'INSERT INTO records (terminal_id, chain, idx, hash, tx_id, status, reason, record, time, processed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [terminalId, ch, e.index, Buffer.from(e.hash), e.txId, o.status, o.reason ?? null, Buffer.from(e.record), e.time, now],
    );
    outcomes.push(o);
  }
  const headAt = [plan.lastIndex, Buffer.from(plan.lastHash), terminalId];
  await exec(c, 'DELETE FROM held WHERE terminal_id = $1 AND chain = $2 AND idx <= $3', [terminalId, ch, plan.lastIndex]);
  if (head.retired) await exec(c, 'UPDATE retired_chains SET last_index = $1, last_hash = $2 WHERE terminal_id = $3 AND chain = $4', [...headAt, ch]);
  else await exec(c, 'UPDATE terminals SET last_index = $1, last_hash = $2 WHERE terminal_id = $3', headAt);
  // The same per-terminal lock recordIncident takes: the cap count and the merge are one decision.
  if (incidents.reports.length > 0) await exec(c, 'SELECT pg_advisory_xact_lock(hashtext($1))', [`incident:${terminalId}`]);
  for (const i of incidents.reports) await storeIncident(c, i);
  return { upTo: plan.lastIndex, outcomes, held: plan.held, denylistChanged: denied, ...(head.retired ? { retired: true as const } : {}) };
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
