// /v1/accounts: customer accounts (create, list, show, fund) on the back office's own operations.
import { z } from 'zod';
import { accountStatement } from '../../ops/index.js';
import type { BackOffice } from '../../backoffice.js';
import type { Account } from '../../ledger.js';
import { idParam, minorUnits, moneySchema, protectedErrors, unixSeconds, type ZodApp } from '../app.js';
import { pageOf, pageQuery, paginate } from '../paging.js';

export const accountSchema = z.object({
  id: z.string(),
  kind: z.enum(['customer', 'purse', 'merchant', 'external']),
  name: z.string().nullable(),
  currency: z.string(),
  balance: minorUnits.describe('minor units'),
  createdAt: z.number().int().describe('Unix seconds'),
});

const view = (a: Account): z.infer<typeof accountSchema> => ({ id: a.id, kind: a.kind, name: a.name, currency: a.currency, balance: a.balance, createdAt: a.createdAt });

const accountParams = z.object({ accountId: idParam });

export function accountRoutes(app: ZodApp, bo: BackOffice): void {
  app.post(
    '/v1/accounts',
    {
      config: { access: { roles: ['operator'] } },
      schema: {
        tags: ['accounts'],
        summary: 'Open a customer account (balance 0, the back office currency)',
        body: z.object({ id: idParam, name: z.string().max(200).optional() }).strict(),
        response: { 201: accountSchema, 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req, reply) => reply.code(201).send(view(await bo.createAccount(req.body.id, req.body.name))),
  );

  app.get(
    '/v1/accounts',
    {
      config: { access: { roles: ['operator'] } },
      schema: {
        tags: ['accounts'],
        summary: 'List accounts (every kind), by id',
        querystring: z.object({ ...pageQuery, kind: z.enum(['customer', 'purse', 'merchant', 'external']).optional() }).strict(),
        response: { 200: pageOf(accountSchema), ...protectedErrors },
      },
    },
    async (req) => {
      const all = (await bo.ledger.listAccounts()).filter((a) => req.query.kind === undefined || a.kind === req.query.kind);
      const page = paginate(all, (a) => a.id, req.query);
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/accounts/:accountId',
    {
      config: { access: { roles: ['operator', 'customer'], owner: 'account' }, etag: true },
      schema: { tags: ['accounts'], summary: 'One account with its balance', params: accountParams, response: { 200: accountSchema, ...protectedErrors } },
    },
    async (req) => view(await bo.account(req.params.accountId)),
  );

  app.post(
    '/v1/accounts/:accountId/fund',
    {
      config: { access: { roles: ['operator'] }, idempotent: true },
      schema: {
        tags: ['accounts'],
        summary: 'Credit an account with money received from outside',
        description: 'A double-entry transfer from the funding account. The Idempotency-Key is also the transfer id: a retry credits once.',
        params: accountParams,
        body: z.object({ amount: minorUnits.positive(), memo: z.string().max(200).optional() }).strict(),
        response: { 200: accountSchema, 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req) => view(await bo.fund(req.params.accountId, req.body.amount, req.body.memo ?? 'funding', `api:${req.headers['idempotency-key']}`)),
  );

  app.get(
    '/v1/accounts/:accountId/statement',
    {
      config: { access: { roles: ['operator', 'customer'], owner: 'account' } },
      schema: {
        tags: ['accounts'],
        summary: "An account's statement: every posting with its transfer, newest first",
        params: accountParams,
        querystring: z.object({ ...pageQuery, from: unixSeconds.optional(), to: unixSeconds.optional() }).strict(),
        response: {
          200: z.object({
            accountId: z.string(),
            kind: z.string(),
            balance: moneySchema,
            postings: pageOf(
              z.object({
                postingId: z.number().int(),
                transferId: z.number().int(),
                kind: z.string().describe('what moved the money: fund, reserve, settle, expire, close, refund, fraud-…'),
                ref: z.string().nullable(),
                counterparty: z.string(),
                amount: moneySchema.describe('signed: positive in, negative out'),
                at: z.number().int(),
              }),
            ),
          }),
          ...protectedErrors,
        },
      },
    },
    async (req) => accountStatement(bo.ledger, { accountId: req.params.accountId, from: req.query.from, to: req.query.to, limit: req.query.limit, cursor: req.query.cursor }),
  );
}
