// /v1/purses: issue, list, show (with its settled payments), close early, deny and undeny — each on the back office's own operations.
import { z } from 'zod';
import { closePurse, listPurses, lookupPurse, undenyPurse } from '../../ops/index.js';
import type { BackOffice, IssuePurseOptions } from '../../backoffice.js';
import type { PurseRecord } from '../../ledger.js';
import { idParam, minorUnits, moneySchema, protectedErrors, purseIdParam, reasonField, type ZodApp } from '../app.js';
import { accountScope, principal } from '../guard.js';
import { pageOf, pageQuery } from '../paging.js';

const purseSummary = z.object({
  purseId: z.string(),
  account: z.string(),
  status: z.enum(['active', 'closed']),
  currency: z.string(),
  cap: minorUnits,
  perPaymentLimit: minorUnits,
  spent: minorUnits,
  reserved: minorUnits,
  walletKey: z.string(),
  notBefore: z.number().int(),
  notAfter: z.number().int(),
});
const summary = (p: PurseRecord): z.infer<typeof purseSummary> => ({
  purseId: p.purseId,
  account: p.account,
  status: p.status,
  currency: p.currency,
  cap: p.cap,
  perPaymentLimit: p.perPaymentLimit,
  spent: p.spent,
  reserved: p.reserved,
  walletKey: p.walletKey,
  notBefore: p.notBefore,
  notAfter: p.notAfter,
});

const purseListItem = z.object({
  purseId: z.string(),
  account: z.string(),
  status: z.enum(['active', 'closed']),
  cap: moneySchema,
  spent: moneySchema,
  reserved: moneySchema,
  notAfter: z.number().int(),
  denied: z.boolean(),
  createdAt: z.number().int(),
});

export const purseViewSchema = z.object({
  purseId: z.string(),
  account: z.string(),
  status: z.enum(['active', 'closed']),
  cap: moneySchema,
  perPaymentLimit: moneySchema,
  spent: moneySchema,
  reserved: moneySchema,
  walletKey: z.string(),
  notBefore: z.number().int(),
  notAfter: z.number().int(),
  cert: z.string().describe('TK1 text of the purse certificate'),
  denied: z.object({ reason: z.string(), addedAt: z.number().int() }).nullable(),
  closure: z.object({ reason: z.string(), actor: z.string(), returned: moneySchema, closedAt: z.number().int() }).nullable(),
});
const payment = z.object({ txId: z.string(), seq: z.number().int(), amount: moneySchema, terminalId: z.string(), merchantId: z.string(), settledAt: z.number().int() });
const params = z.object({ purseId: purseIdParam });
const purseFile = z.object({ format: z.literal('tessera-purse/1'), purseCert: z.string(), trustList: z.string(), rootPublicKey: z.string() });

export function purseRoutes(app: ZodApp, bo: BackOffice): void {
  app.post(
    '/v1/purses',
    {
      config: { access: { roles: ['operator'] }, idempotent: true },
      schema: {
        tags: ['purses'],
        summary: "Issue a purse: reserve the cap from the account and sign a certificate for the wallet's key",
        body: z
          .object({
            account: idParam,
            walletKey: z.string().regex(/^[0-9a-f]{66}$/, "the wallet's 33-byte compressed public key, hex"),
            cap: minorUnits.positive(),
            perPaymentLimit: minorUnits.positive(),
            days: z.number().int().min(1).max(3_650).default(30),
          })
          .strict(),
        response: { 201: z.object({ purse: purseSummary, file: purseFile }), 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      // The key is also the ledger's id for this issuance where the ledger takes one: a retry that
      // reaches another process, or this one after a restart, still reserves the cap once.
      const o: IssuePurseOptions & { id?: string } = { account: b.account, walletKey: b.walletKey, cap: b.cap, perPaymentLimit: b.perPaymentLimit, days: b.days, id: `api:${String(req.headers['idempotency-key'])}` };
      const r = await bo.issuePurse(o);
      return reply.code(201).send({ purse: summary(r.purse), file: r.file });
    },
  );

  app.get(
    '/v1/purses',
    {
      config: { access: { roles: ['operator', 'customer'], owner: 'account' } },
      schema: {
        tags: ['purses'],
        summary: 'List purses, newest first (a customer sees their own)',
        querystring: z.object({ ...pageQuery, account: idParam.optional(), status: z.enum(['active', 'closed']).optional() }).strict(),
        response: { 200: pageOf(purseListItem), ...protectedErrors },
      },
    },
    async (req) => listPurses(bo.ledger, { accountId: accountScope(req, req.query.account), status: req.query.status, limit: req.query.limit, cursor: req.query.cursor }),
  );

  app.get(
    '/v1/purses/:purseId',
    {
      config: { access: { roles: ['operator', 'customer'], owner: 'account' }, etag: true },
      schema: {
        tags: ['purses'],
        summary: 'A purse with its deny-list and closure state and its settled payments (paged, newest first)',
        params,
        querystring: z.object(pageQuery).strict(),
        response: { 200: z.object({ purse: purseViewSchema, fraudCases: z.array(z.number().int()), payments: pageOf(payment) }), ...protectedErrors },
      },
    },
    async (req) => lookupPurse(bo.ledger, { purseId: req.params.purseId, accountId: accountScope(req, undefined), limit: req.query.limit, cursor: req.query.cursor }),
  );

  app.post(
    '/v1/purses/:purseId/close',
    {
      config: { access: { roles: ['operator'] }, idempotent: true },
      schema: {
        tags: ['purses'],
        summary: 'Close a purse early: deny it and return its reservation to the account',
        params,
        body: z.object({ reason: reasonField }).strict(),
        response: { 200: z.object({ purse: purseViewSchema, created: z.boolean(), unpublished: z.number().int() }), 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req) => closePurse(bo.ledger, { purseId: req.params.purseId, reason: req.body.reason, actor: principal(req).sub, now: bo.now() }),
  );

  app.post(
    '/v1/purses/:purseId/deny',
    {
      config: { access: { roles: ['operator'] } },
      schema: {
        tags: ['purses'],
        summary: 'Put a purse on the deny list (the next signed list carries it)',
        params,
        body: z.object({ reason: reasonField.default('denied by operator') }).strict(),
        response: { 200: z.object({ purseId: z.string(), added: z.boolean(), unpublished: z.number().int() }), ...protectedErrors },
      },
    },
    async (req) => ({ purseId: req.params.purseId, ...(await bo.denyPurse(req.params.purseId, req.body.reason)) }),
  );

  app.post(
    '/v1/purses/:purseId/undeny',
    {
      config: { access: { roles: ['operator'] } },
      schema: {
        tags: ['purses'],
        summary: 'Take a purse off the deny list (from the next signed version)',
        params,
        body: z.object({ reason: reasonField }).strict(),
        response: { 200: z.object({ purseId: z.string(), removed: z.boolean(), version: z.number().int() }), ...protectedErrors },
      },
    },
    async (req) => undenyPurse(bo.ledger, { purseId: req.params.purseId, reason: req.body.reason, actor: principal(req).sub, now: bo.now() }),
  );
}
