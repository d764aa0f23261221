// /v1/transactions: search by txId, purse, terminal, merchant, status and time; one transaction with its evidence and re-verification.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ACK_STATUS } from '#protocol';
import { lookupTransaction, searchTransactions } from '../../ops/index.js';
import type { BackOffice } from '../../backoffice.js';
import { idParam, moneySchema, protectedErrors, purseIdParam, txIdParam as txId, unixSeconds, type ZodApp } from '../app.js';
import { accountScope, merchantScope, principal, seesAll } from '../guard.js';
import { pageOf, pageQuery } from '../paging.js';

const statuses = Object.keys(ACK_STATUS) as [string, ...string[]];

export const transactionSummary = z.object({
  txId: z.string(),
  terminalId: z.string(),
  chain: z.number().int(),
  index: z.number().int(),
  merchantId: z.string().nullable(),
  status: z.string().describe(`what clearing concluded: ${statuses.join(', ')}`),
  reason: z.string().nullable(),
  purseId: z.string().nullable(),
  amount: moneySchema.nullable(),
  fraudCase: z.number().int().nullable(),
  time: z.number().int().describe('terminal time of the payment'),
  processedAt: z.number().int(),
});

const transactionDetail = z.object({
  txId: z.string(),
  merchantId: z.string().nullable(),
  payment: z.record(z.string(), z.unknown()).nullable().describe('the decoded payment (or why it does not decode, with its bytes)'),
  records: z.array(transactionSummary.extend({ record: z.record(z.string(), z.unknown()), verification: z.record(z.string(), z.unknown()).nullable() })),
  settlement: z
    .object({ purseId: z.string(), seq: z.number().int(), amount: moneySchema, terminalId: z.string(), merchantId: z.string(), chain: z.number().int(), index: z.number().int(), settledAt: z.number().int() })
    .nullable(),
  refunds: z.array(z.record(z.string(), z.unknown())),
  refunded: moneySchema,
  fraudCases: z.array(z.number().int()),
  sealed: z.union([z.literal('hidden'), z.record(z.string(), z.unknown())]).nullable().describe('opened sealed details: operators only'),
});

/** A merchant sees their terminals' records, a customer their purses' (by the role the token has). */
function scopeOf(req: FastifyRequest, q: { merchant?: string; account?: string }): { merchantId?: string; accountId?: string } {
  if (seesAll(req)) return { ...(q.merchant !== undefined ? { merchantId: q.merchant } : {}), ...(q.account !== undefined ? { accountId: q.account } : {}) };
  if (principal(req).roles.includes('merchant')) return { merchantId: merchantScope(req, q.merchant) as string };
  return { accountId: accountScope(req, q.account) as string };
}

export function transactionRoutes(app: ZodApp, bo: BackOffice): void {
  app.get(
    '/v1/transactions',
    {
      config: { access: { roles: ['operator', 'merchant', 'customer'], owner: 'caller' } },
      schema: {
        tags: ['transactions'],
        summary: "Search journal records, newest first (a merchant sees their terminals', a customer their purses')",
        querystring: z
          .object({
            ...pageQuery,
            txId: txId.optional(),
            purse: purseIdParam.optional(),
            terminal: idParam.optional(),
            merchant: idParam.optional(),
            account: idParam.optional().describe("the purses' account"),
            status: z.enum(statuses).optional(),
            from: unixSeconds.optional().describe('terminal time, inclusive'),
            to: unixSeconds.optional().describe('terminal time, exclusive'),
          })
          .strict(),
        response: { 200: pageOf(transactionSummary), ...protectedErrors },
      },
    },
    async (req) => {
      const q = req.query;
      const scope = scopeOf(req, q);
      return searchTransactions(bo.ledger, { txId: q.txId, purseId: q.purse, terminalId: q.terminal, ...scope, status: q.status, from: q.from, to: q.to, limit: q.limit, cursor: q.cursor });
    },
  );

  app.get(
    '/v1/transactions/:txId',
    {
      config: { access: { roles: ['operator', 'merchant', 'customer'], owner: 'caller' }, etag: true },
      schema: {
        tags: ['transactions'],
        summary: 'One transaction: decoded payment, journal records re-verified now, settlement, refunds, fraud cases, sealed details (operators and the paying customer)',
        params: z.object({ txId }),
        response: { 200: transactionDetail, ...protectedErrors },
      },
    },
    async (req) => {
      const scope = scopeOf(req, {});
      // Sealed details: operators, and the customer whose payment it is (the look-up is scoped to their account).
      const v = await lookupTransaction(bo.ledger, { txId: req.params.txId, trust: bo.clearing.trust, ...scope, showSealed: seesAll(req) || scope.accountId !== undefined });
      return v as unknown as z.infer<typeof transactionDetail>;
    },
  );
}
