// The register's voids and refunds of journalled payments: each is a new signed journal record (201 with Location).
import { z } from 'zod';
import { TesseraError, isTesseraError, type ErrorCode } from '#common';
import { MAX_ADJUSTMENT_NOTE } from '#protocol';
import type { AdjustmentResult } from '../../checkout/index.js';
import { idempotencyKeyOf, route } from '../http.js';

const TX_ID = /^[0-9a-fA-F]{64}$/;

/** Refusals of a void or refund: the payment's state forbids it (409), or it is not in this journal (404). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  PAYMENT_NOT_FOUND: 404,
  VOID_TOO_LATE: 409,
  ALREADY_VOIDED: 409,
  ALREADY_REFUNDED: 409,
  NOT_ADJUSTABLE: 409,
  REFUND_EXCEEDS_PAYMENT: 409,
  PAYMENT_BUSY: 409,
  API_IDEMPOTENCY_MISMATCH: 422,
  DB_WRITE_FAILED: 503,
};

const reason = z.string().describe(`The register's reason (1-${MAX_ADJUSTMENT_NOTE} printable characters), signed into the record.`).optional();
const reference = z.string().describe("The register's reference (1-32 printable characters), signed into the record and printed.").optional();

const VoidBody = z.strictObject({ reason, reference });
const RefundBody = z.strictObject({
  amount: z.number({ error: 'amount (integer minor units) is required' }).int('amount must be whole minor units (cents)').describe("What to give back, in minor units of the payment's currency."),
  currency: z.string().describe("Must be the payment's currency when given.").optional(),
  reason,
  reference,
});

const REFUSALS =
  '404 PAYMENT_NOT_FOUND; 409 VOID_TOO_LATE (acknowledged by the back office: refund instead), ALREADY_VOIDED, ALREADY_REFUNDED, NOT_ADJUSTABLE (declined, or itself an adjustment), REFUND_EXCEEDS_PAYMENT; 400 CURRENCY_MISMATCH';

/** Runs an adjustment; its refusals carry their HTTP status. */
async function created(run: () => Promise<AdjustmentResult>): Promise<{ status: 200 | 201; body: AdjustmentResult; headers?: Record<string, string> }> {
  try {
    const body = await run();
    return body.replayed ? { status: 200, body, headers: { 'idempotent-replayed': 'true' } } : { status: 201, body };
  } catch (e) {
    const status = isTesseraError(e) ? STATUS[e.code] : undefined;
    if (!isTesseraError(e) || status === undefined || e.details?.httpStatus !== undefined) throw e;
    throw new TesseraError(e.code, e.message, { cause: e, details: { ...e.details, httpStatus: status, ...(e.details ? { answer: e.details } : {}) } });
  }
}

const location = (r: AdjustmentResult): string => `/v1/transactions/${r.txId}`;

export const adjustmentRoutes = [
  route({
    method: 'POST',
    path: '/v1/transactions/{txId}/void',
    params: { txId: TX_ID },
    summary: `Void a payment the back office has not acknowledged yet: journals a signed void of the whole amount and prints its receipt. Refusals: ${REFUSALS}`,
    body: VoidBody,
    idempotent: true,
    responses: { 200: 'the void first made under this Idempotency-Key (header Idempotent-Replayed: true)', 201: 'the void: { txId, kind, originalTxId, amount, currency, journalIndex, time, reference, reason, adjusted, remaining, qrText, receipt }' },
    location,
    handle: (ctx, { params, body, req }) => created(() => ctx.checkout.adjustments.void(params.txId as string, { note: body.reason, reference: body.reference }, idempotencyKeyOf(req))),
  }),
  route({
    method: 'POST',
    path: '/v1/transactions/{txId}/refunds',
    params: { txId: TX_ID },
    summary: `Refund part or all of a payment (at any time, never more than it in total): journals a signed refund and prints its receipt. Refusals: ${REFUSALS}`,
    body: RefundBody,
    idempotent: true,
    responses: { 200: 'the refund first made under this Idempotency-Key (header Idempotent-Replayed: true)', 201: 'the refund (same shape as a void)' },
    location,
    handle: (ctx, { params, body, req }) =>
      created(() => ctx.checkout.adjustments.refund(params.txId as string, { amount: body.amount, currency: body.currency, note: body.reason, reference: body.reference }, idempotencyKeyOf(req))),
  }),
];
