// /v1/merchants/{merchantId}: daily statements, payouts (what each day added to what the back office owes), and refunds of their payments.
import { z } from 'zod';
import { TesseraError } from '#common';
import { dailyStatement, listPayouts, listRefunds, refundPayment } from '../../ops/index.js';
import type { BackOffice } from '../../backoffice.js';
import { idParam, minorUnits, moneySchema, protectedErrors, reasonField, txIdParam, unixSeconds, type ZodApp } from '../app.js';
import { principal } from '../guard.js';
import { pageOf, pageQuery } from '../paging.js';

const params = z.object({ merchantId: idParam });
const totals = z.object({ count: z.number().int(), amount: moneySchema });
const statement = z.object({
  date: z.string(),
  timeZone: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  merchantId: z.string().nullable(),
  terminalId: z.string().nullable(),
  currency: z.string(),
  payments: totals,
  refunds: totals,
  fraud: z.object({ opened: totals, paid: totals }),
  net: moneySchema,
  terminals: z.array(z.object({ terminalId: z.string(), count: z.number().int(), amount: moneySchema })),
});
const span = { from: unixSeconds.optional().describe('Unix seconds, inclusive'), to: unixSeconds.optional().describe('Unix seconds, exclusive') };
const payout = z.object({
  date: z.string().describe('YYYY-MM-DD, cut at midnight UTC'),
  from: z.number().int(),
  to: z.number().int(),
  payments: totals,
  refunds: totals,
  fraudPaid: totals.describe('fraud cases resolved in the merchant\'s favour'),
  net: moneySchema.describe('payments − refunds + fraud paid: what the day added to what is due'),
});
const refund = z.object({
  id: z.number().int(),
  refundId: z.string(),
  merchantId: z.string(),
  txId: z.string(),
  amount: moneySchema,
  account: z.string(),
  reason: z.string(),
  source: z.enum(['merchant', 'terminal']),
  terminalId: z.string().nullable(),
  actor: z.string(),
  createdAt: z.number().int(),
});

export function merchantRoutes(app: ZodApp, bo: BackOffice): void {
  app.get(
    '/v1/merchants/:merchantId/statements',
    {
      config: { access: { roles: ['operator', 'merchant'], owner: 'merchant' }, etag: true },
      schema: {
        tags: ['merchants'],
        summary: "A merchant's daily statement: payments settled that day, refunds, fraud, net, per terminal",
        params,
        querystring: z
          .object({
            date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
            timeZone: z.string().max(64).optional().describe('IANA zone the day is cut in (default UTC)'),
            terminal: idParam.optional().describe("one terminal's statement instead of the merchant's"),
          })
          .strict(),
        response: { 200: statement, ...protectedErrors },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.terminal !== undefined) {
        // A terminal statement only for the merchant's own terminal (404 otherwise, as for an unknown one).
        const t = await bo.ledger.getTerminal(q.terminal);
        if (!t || t.merchantId !== req.params.merchantId) throw new TesseraError('NOT_FOUND', `no terminal ${q.terminal} of ${req.params.merchantId}`);
        return dailyStatement(bo.ledger, { terminalId: q.terminal, date: q.date, timeZone: q.timeZone });
      }
      return dailyStatement(bo.ledger, { merchantId: req.params.merchantId, date: q.date, timeZone: q.timeZone });
    },
  );

  app.get(
    '/v1/merchants/:merchantId/payouts',
    {
      config: { access: { roles: ['operator', 'merchant'], owner: 'merchant' }, etag: true },
      schema: {
        tags: ['merchants'],
        summary: "What the back office owes the merchant (its account's balance), what it settled to it in total, and its payouts: each UTC day's net on its account, newest first",
        params,
        querystring: z.object({ ...pageQuery, from: span.from, to: span.to }).strict(),
        response: { 200: pageOf(payout).extend({ merchantId: z.string(), due: moneySchema, settled: totals }), ...protectedErrors },
      },
    },
    async (req) => {
      const id = req.params.merchantId;
      const a = await bo.account(id);
      const t = (await bo.ledger.merchantTotals()).find((m) => m.merchantId === id);
      const page = await listPayouts(bo.ledger, { merchantId: id, ...req.query });
      return { merchantId: id, due: { amount: a.balance, currency: a.currency }, settled: { count: t?.count ?? 0, amount: { amount: t?.amount ?? 0, currency: a.currency } }, ...page };
    },
  );

  app.get(
    '/v1/merchants/:merchantId/refunds',
    {
      config: { access: { roles: ['operator', 'merchant'], owner: 'merchant' } },
      schema: {
        tags: ['merchants'],
        summary: "The merchant's refunds, newest first (made through the API, the CLI or journalled by its terminals)",
        params,
        querystring: z
          .object({
            ...pageQuery,
            txId: txIdParam.optional().describe('the payment refunded'),
            terminal: idParam.optional().describe('refunds journalled by this terminal'),
            source: z.enum(['merchant', 'terminal']).optional(),
            from: span.from,
            to: span.to,
          })
          .strict(),
        response: { 200: pageOf(refund), ...protectedErrors },
      },
    },
    async (req) => {
      const q = req.query;
      return listRefunds(bo.ledger, { merchantId: req.params.merchantId, txId: q.txId, terminalId: q.terminal, source: q.source, from: q.from, to: q.to, limit: q.limit, cursor: q.cursor });
    },
  );

  app.post(
    '/v1/merchants/:merchantId/refunds',
    {
      config: { access: { roles: ['operator', 'merchant'], owner: 'merchant' }, idempotent: true },
      schema: {
        tags: ['merchants'],
        summary: 'Refund (part of) a payment to the customer account that paid; the Idempotency-Key is the refund id',
        params,
        body: z.object({ txId: txIdParam, amount: minorUnits.positive(), reason: reasonField }).strict(),
        response: { 201: z.object({ refund, created: z.boolean(), refunded: moneySchema, remaining: moneySchema }), 200: z.object({ refund, created: z.boolean(), refunded: moneySchema, remaining: moneySchema }), 422: protectedErrors[400], 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req, reply) => {
      const r = await refundPayment(bo.ledger, {
        merchantId: req.params.merchantId,
        txId: req.body.txId,
        amount: req.body.amount,
        refundId: String(req.headers['idempotency-key']),
        reason: req.body.reason,
        actor: principal(req).sub,
        now: bo.now(),
      });
      return reply.code(r.created ? 201 : 200).send(r);
    },
  );
}
