// Voids and refunds a terminal journalled: once their batch is recorded, each is settled through the one refund operation.
import { TesseraError, isTesseraError, type ErrorCode } from '#common';
import { ADJUSTMENT, decodeObject, toHex, type JournalRecord } from '#protocol';
import type { EntryVerdict, Ledger } from './ledger.js';
import { all, exec, one } from './ops/db.js';
import { refundPayment } from './ops/refund.js';

export type AdjustmentVerdict = Extract<EntryVerdict, { kind: 'adjustment' }>;

/** A recorded void or refund record: where it sits, whose terminal it is, what it gives back. */
export interface RecordedAdjustment {
  terminalId: string;
  chain: number;
  index: number;
  /** The adjustment's own id (hex): the refund's idempotency id, so a re-delivered record refunds once. */
  txId: string;
  /** The merchant of the chain that signed it. */
  merchantId: string;
  verdict: AdjustmentVerdict;
}

/** Settled (created false: it was already), or refused with the reason recorded; undefined when the record was not one clearing accepted. */
export type AdjustmentOutcome = { ok: true; created: boolean } | { ok: false; reason: string };

/** Refusals due to the record itself (unknown or unsettled payment, too much, another currency): kept with it, never retried into another answer. */
const REFUSALS: ReadonlySet<ErrorCode> = new Set(['NOT_FOUND', 'REFUND_EXCEEDS_PAYMENT', 'ALREADY_EXISTS', 'USAGE', 'CURRENCY_MISMATCH']);

/** The refund's reason as operators read it: a void is a full refund marked as a void. */
export function adjustmentReason(a: RecordedAdjustment): string {
  const v = a.verdict;
  return `${v.adjustment} at ${a.terminalId}#${a.index}${v.note ? `: ${v.note}` : ''}${v.reference ? ` (ref ${v.reference})` : ''}`;
}

/**
 * Settles one recorded void or refund as a merchant → customer refund (idempotent by the record's
 * id), when clearing recorded it as accepted (status settled). A refusal is recorded on the record (status rejected, with the reason) and as an incident;
 * any other failure (the database) is thrown, so the batch is not acknowledged and the terminal
 * re-sends it, which settles it then.
 */
export async function settleAdjustment(ledger: Ledger, a: RecordedAdjustment, now: number): Promise<AdjustmentOutcome | undefined> {
  const v = a.verdict;
  const facts = await ledger.operations().read(function* () {
    return {
      record: yield* one('SELECT status FROM records WHERE terminal_id = ? AND chain = ? AND idx = ?', [a.terminalId, a.chain, a.index]),
      paid: yield* one('SELECT p.currency FROM settlements s JOIN purses p ON p.purse_id = s.purse_id WHERE s.tx_id = ?', [v.original]),
    };
  });
  // Only a record clearing accepted moves money (a re-delivery of one it rejected, or refused, stays so).
  if (facts.record?.status !== 'settled') return undefined;
  try {
    if (facts.paid && facts.paid.currency !== v.currency) throw new TesseraError('CURRENCY_MISMATCH', `payment ${v.original} was in ${String(facts.paid.currency)}, the ${v.adjustment} in ${v.currency}`);
    const r = await refundPayment(ledger, {
      merchantId: a.merchantId,
      txId: v.original,
      amount: v.amount,
      refundId: a.txId,
      reason: adjustmentReason(a),
      actor: `terminal:${a.terminalId}`,
      now,
      source: 'terminal',
      terminalId: a.terminalId,
    });
    return { ok: true, created: r.created };
  } catch (e) {
    if (!isTesseraError(e) || !REFUSALS.has(e.code)) throw e;
    const reason = `${v.adjustment} refused: ${e.code}: ${e.message}`;
    await ledger.operations().write(() => exec('UPDATE records SET status = ?, reason = ? WHERE terminal_id = ? AND chain = ? AND idx = ?', ['rejected', reason, a.terminalId, a.chain, a.index]));
    await ledger.recordIncident({ terminalId: a.terminalId, index: a.index, lastIndex: a.index, count: 1, kind: 'refused-adjustment', detail: reason, at: now });
    return { ok: false, reason };
  }
}

/** The adjustment a verified record makes, or undefined for a decision on a payment. */
export function adjustmentVerdict(rec: JournalRecord): AdjustmentVerdict | undefined {
  if (rec.adjustment === undefined || !rec.original) return undefined;
  return {
    kind: 'adjustment',
    adjustment: rec.adjustment === ADJUSTMENT.void ? 'void' : 'refund',
    original: toHex(rec.original),
    amount: rec.amountCharged,
    currency: rec.currency ?? '',
    note: rec.note ?? null,
    reference: rec.reference ?? null,
  };
}

/**
 * Voids and refunds recorded as accepted (status settled) since `since` (record time, seconds) whose
 * refund is not in the ledger: a payment's record always has its settlement, so a settled record
 * with neither a settlement nor a refund under its id is an adjustment whose refund failed after
 * its batch committed (and a later batch's ack covered it, so the terminal will not re-send it).
 */
export async function pendingAdjustments(ledger: Ledger, since: number): Promise<RecordedAdjustment[]> {
  const rows = await ledger.operations().read(() =>
    all(
      `SELECT r.terminal_id, r.chain, r.idx, r.tx_id, r.record, coalesce(rc.merchant_id, t.merchant_id) AS merchant_id
       FROM records r LEFT JOIN terminals t ON t.terminal_id = r.terminal_id LEFT JOIN retired_chains rc ON rc.terminal_id = r.terminal_id AND rc.chain = r.chain
       WHERE r.time >= ? AND r.status = 'settled' AND NOT EXISTS (SELECT 1 FROM settlements s WHERE s.tx_id = r.tx_id)
         AND NOT EXISTS (SELECT 1 FROM refunds f WHERE f.client_id = r.tx_id) ORDER BY r.time`,
      [since],
    ),
  );
  return rows.flatMap((r) => {
    const d = decodeObject('JOURNAL_RECORD', new Uint8Array(r.record as Uint8Array));
    const verdict = d.ok ? adjustmentVerdict(d.value.value) : undefined;
    if (!verdict) return [];
    return [{ terminalId: r.terminal_id as string, chain: Number(r.chain), index: Number(r.idx), txId: r.tx_id as string, merchantId: r.merchant_id as string, verdict }];
  });
}
