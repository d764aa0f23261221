// Control API routes for the register's voids and refunds of journalled payments (201 with Location).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TesseraError, isTesseraError, type ErrorCode } from '#common';
import type { AdjustmentResult, Checkout } from '../checkout/index.js';

export interface AdjustmentApiHost {
  checkout(): Checkout;
  body(req: IncomingMessage): Promise<Record<string, unknown>>;
}

type Route = [string, RegExp, (req: IncomingMessage, res: ServerResponse, m: RegExpMatchArray) => Promise<void>];

/** Refusals of a void or refund: the payment's state forbids it (409), or it is not in this journal (404). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  PAYMENT_NOT_FOUND: 404,
  VOID_TOO_LATE: 409,
  ALREADY_VOIDED: 409,
  ALREADY_REFUNDED: 409,
  NOT_ADJUSTABLE: 409,
  REFUND_EXCEEDS_PAYMENT: 409,
  CURRENCY_MISMATCH: 400,
  DB_WRITE_FAILED: 503,
};

const VOID_FIELDS = new Set(['reason', 'reference']);
const REFUND_FIELDS = new Set(['amount', 'currency', 'reason', 'reference']);

function optionalText(b: Record<string, unknown>, key: string): string | undefined {
  const v = b[key];
  if (v !== undefined && typeof v !== 'string') throw new TesseraError('API_BAD_REQUEST', `${key} must be a string`);
  return v;
}

function onlyFields(b: Record<string, unknown>, allowed: Set<string>): void {
  const unknown = Object.keys(b).filter((k) => !allowed.has(k));
  if (unknown.length > 0) throw new TesseraError('API_BAD_REQUEST', `unknown field(s): ${unknown.join(', ')} (allowed: ${[...allowed].join(', ')})`);
}

async function created(res: ServerResponse, run: () => Promise<AdjustmentResult>): Promise<void> {
  let r: AdjustmentResult;
  try {
    r = await run();
  } catch (e) {
    const status = isTesseraError(e) ? STATUS[e.code] : undefined;
    if (isTesseraError(e) && status !== undefined && e.details?.httpStatus === undefined) {
      throw new TesseraError(e.code, e.message, { cause: e, details: { ...e.details, httpStatus: status } });
    }
    throw e;
  }
  const text = JSON.stringify(r);
  res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', location: `/v1/transactions/${r.txId}` });
  res.end(text);
}

/** POST /v1/transactions/{txId}/void {reason?, reference?} and POST /v1/transactions/{txId}/refunds {amount, currency?, reason?, reference?}. */
export function adjustmentRoutes(host: AdjustmentApiHost): Route[] {
  return [
    [
      'POST',
      /^\/v1\/transactions\/([0-9a-fA-F]{64})\/void$/,
      async (q, s, m) => {
        const b = await host.body(q);
        onlyFields(b, VOID_FIELDS);
        const opts = { note: optionalText(b, 'reason'), reference: optionalText(b, 'reference') };
        await created(s, () => host.checkout().adjustments.void(m[1] as string, opts));
      },
    ],
    [
      'POST',
      /^\/v1\/transactions\/([0-9a-fA-F]{64})\/refunds$/,
      async (q, s, m) => {
        const b = await host.body(q);
        onlyFields(b, REFUND_FIELDS);
        if (typeof b.amount !== 'number') throw new TesseraError('API_BAD_REQUEST', 'amount (integer minor units) is required');
        const opts = { amount: b.amount, currency: optionalText(b, 'currency'), note: optionalText(b, 'reason'), reference: optionalText(b, 'reference') };
        await created(s, () => host.checkout().adjustments.refund(m[1] as string, opts));
      },
    ],
  ];
}
