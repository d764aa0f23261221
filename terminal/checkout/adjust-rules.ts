// Whether a register may void or refund a journalled payment, and for how much: a pure rule over journal facts.
import { TesseraError } from '#common';
import { MAX_ADJUSTMENT_NOTE, type AdjustmentKind } from '#protocol';

/** What the journal says of the payment to adjust. */
export interface AdjustFacts {
  /** The journal row of the transaction id, if any. */
  original: { idx: number; decision: number; amount: number; currency: string | null; adjustment: number | null } | undefined;
  /** The terminal's acknowledged index: a payment at or below it is the back office's now. */
  ackedUpTo: number;
  /** What its voids and refunds gave back so far. */
  adjusted: { voided: boolean; amount: number };
}

export interface AdjustRequest {
  kind: AdjustmentKind;
  /** Refunds: the amount to give back (minor units). A void gives back the whole payment. */
  amount?: number | undefined;
  /** The register's currency, when it names one: it must be the payment's. */
  currency?: string | undefined;
  reference?: string | undefined;
  note?: string | undefined;
}

const PRINTABLE = /^[^\p{Cc}]+$/u;

/** The register's free texts, checked against the record's bounds before anything is signed. */
function checkTexts(r: AdjustRequest): void {
  if (r.reference !== undefined && (r.reference.length === 0 || [...r.reference].length > 32 || !PRINTABLE.test(r.reference))) {
    throw new TesseraError('API_BAD_REQUEST', 'reference must be 1-32 printable characters');
  }
  if (r.note !== undefined && (r.note.length === 0 || [...r.note].length > MAX_ADJUSTMENT_NOTE || !PRINTABLE.test(r.note))) {
    throw new TesseraError('API_BAD_REQUEST', `reason must be 1-${MAX_ADJUSTMENT_NOTE} printable characters`);
  }
}

/**
 * The amount the adjustment gives back, or the TesseraError that refuses it: an unknown id, a
 * declined payment or an adjustment, a payment voided already; a void of a payment the back office
 * acknowledged (refund it instead) or partly refunded; a refund above what is left, or in another currency.
 */
export function decideAdjustment(txId: string, f: AdjustFacts, r: AdjustRequest): { amount: number; currency: string } {
  checkTexts(r);
  const o = f.original;
  if (!o) throw new TesseraError('PAYMENT_NOT_FOUND', `no transaction ${txId} in this terminal's journal`);
  if (o.adjustment !== null) throw new TesseraError('NOT_ADJUSTABLE', `${txId} is itself a void or refund`);
  if (o.decision !== 0) throw new TesseraError('NOT_ADJUSTABLE', `payment ${txId} was declined: it took no money`);
  const currency = o.currency ?? '';
  if (f.adjusted.voided) throw new TesseraError('ALREADY_VOIDED', `payment ${txId} is voided already`);
  if (r.currency !== undefined && r.currency !== currency) {
    throw new TesseraError('CURRENCY_MISMATCH', `payment ${txId} was in ${currency}, not ${r.currency}`, { details: { currency: r.currency, accepted: [currency] } });
  }
  const left = o.amount - f.adjusted.amount;
  if (r.kind === 'void') {
    if (o.idx <= f.ackedUpTo) throw new TesseraError('VOID_TOO_LATE', `payment ${txId} is synced with the back office already: refund it instead`);
    if (f.adjusted.amount > 0) throw new TesseraError('ALREADY_REFUNDED', `payment ${txId} is partly refunded already: refund the rest (${left}) instead`);
    return { amount: o.amount, currency };
  }
  const amount = r.amount;
  if (amount === undefined || !Number.isSafeInteger(amount) || amount < 1) throw new TesseraError('API_BAD_REQUEST', 'amount must be a positive integer of minor units');
  if (amount > left) {
    throw new TesseraError('REFUND_EXCEEDS_PAYMENT', `payment ${txId} was ${o.amount}, ${f.adjusted.amount} given back already: at most ${left} more`, { details: { remaining: left } });
  }
  return { amount, currency };
}
