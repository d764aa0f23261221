// Payment requests of the register: open one, follow it, cancel it.
import { z } from 'zod';
import { TesseraError } from '#common';
import type { PaymentState } from '../../checkout/types.js';
import { idempotencyKeyOf, route, type ApiContext } from '../http.js';

const PAYMENT_ID = /^[0-9a-f]{32}$/;

const NewPayment = z.strictObject({
  amount: z.number({ error: 'amount (integer minor units) is required' }).int('amount must be whole minor units (cents)').describe('Amount in minor units of the currency (integer).'),
  currency: z.string().describe('ISO 4217 code; must be the terminal\'s currency (default: merchant.currency).').optional(),
  reference: z.string().describe('The register\'s reference (max 32 printable characters): journaled, synced and printed on the receipt.').optional(),
});

/** A payment the checkout holds, else its outcome on record (older, or from before a restart). */
export function findPayment(ctx: ApiContext, id: string): PaymentState | undefined {
  return ctx.checkout.getPayment(id) ?? ctx.outcomes?.lookup(id);
}

function notFound(msg: string): never {
  throw new TesseraError('PAYMENT_NOT_FOUND', msg);
}

export const paymentRoutes = [
  route({
    method: 'POST',
    path: '/v1/payments',
    summary: 'Open a payment request (its QR shows on the display); with Idempotency-Key a retry returns the same request',
    body: NewPayment,
    idempotent: true,
    responses: { 200: 'the request already opened under this Idempotency-Key (header Idempotent-Replayed: true)', 201: 'the request, pending' },
    location: (p: PaymentState) => `/v1/payments/${p.id}`,
    async handle(ctx, { body, req }) {
      const start = (): Promise<PaymentState> => ctx.checkout.startPayment(body);
      const key = idempotencyKeyOf(req);
      if (key === undefined || !ctx.outcomes) return { status: 201, body: await start() };
      const r = await ctx.outcomes.withKey(key, body, start, (id) => findPayment(ctx, id));
      return r.replayed ? { status: 200, body: r.payment, headers: { 'idempotent-replayed': 'true' } } : { status: 201, body: r.payment };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/payments/current',
    summary: 'The open payment request',
    responses: { 200: 'the open request' },
    handle: (ctx) => ({ status: 200, body: ctx.checkout.current() ?? notFound('no open payment') }),
  }),
  route({
    method: 'GET',
    path: '/v1/payments/{id}',
    params: { id: PAYMENT_ID },
    summary: 'A payment request by id, also after a restart',
    responses: { 200: 'the request and its outcome' },
    handle: (ctx, { params }) => ({ status: 200, body: findPayment(ctx, params.id as string) ?? notFound(`no payment ${params.id}`) }),
  }),
  route({
    method: 'POST',
    path: '/v1/payments/current/cancel',
    summary: 'Cancel the open payment request',
    responses: { 200: 'the cancelled request' },
    handle: (ctx) => ({ status: 200, body: ctx.checkout.cancel() }),
  }),
  route({
    method: 'POST',
    path: '/v1/payments/{id}/cancel',
    params: { id: PAYMENT_ID },
    summary: 'Cancel a payment request by id (refused once it is approved)',
    responses: { 200: 'the cancelled request' },
    handle: (ctx, { params }) => ({ status: 200, body: ctx.checkout.cancel(params.id) }),
  }),
];
