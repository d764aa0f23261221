// /v1/fraud-cases: cases with their evidence, and their resolution (pay the merchant, or charge the purse's account back).
import { z } from 'zod';
import { FRAUD_OUTCOMES, listFraudCases, lookupFraudCase, resolveFraudCase } from '../../ops/index.js';
import type { BackOffice } from '../../backoffice.js';
import { idParam, moneySchema, protectedErrors, purseIdParam, reasonField, type ZodApp } from '../app.js';
import { merchantScope, principal } from '../guard.js';
import { pageOf, pageQuery } from '../paging.js';

const resolution = z.object({
  outcome: z.enum(FRAUD_OUTCOMES as [string, ...string[]]),
  reason: z.string(),
  actor: z.string(),
  amount: moneySchema,
  debit: z.string(),
  credit: z.string(),
  transferId: z.number().int(),
  resolvedAt: z.number().int(),
});
export const fraudCaseSchema = z.object({
  id: z.number().int(),
  purseId: z.string(),
  kind: z.string(),
  detail: z.string(),
  merchantId: z.string().nullable(),
  terminalId: z.string(),
  index: z.number().int(),
  amount: moneySchema,
  openedAt: z.number().int(),
  firstTxId: z.string().nullable(),
  secondTxId: z.string(),
  status: z.enum(['open', 'resolved']),
  resolution: resolution.nullable(),
});
const evidence = z.object({ first: z.record(z.string(), z.unknown()).nullable(), second: z.record(z.string(), z.unknown()) });
const params = z.object({ caseId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

export function fraudCaseRoutes(app: ZodApp, bo: BackOffice): void {
  app.get(
    '/v1/fraud-cases',
    {
      config: { access: { roles: ['operator', 'merchant'], owner: 'merchant' } },
      schema: {
        tags: ['fraud cases'],
        summary: 'Fraud cases, newest first (a merchant sees those on their terminals)',
        querystring: z
          .object({ ...pageQuery, status: z.enum(['open', 'resolved']).optional(), purse: purseIdParam.optional(), terminal: idParam.optional(), merchant: idParam.optional() })
          .strict(),
        response: { 200: pageOf(fraudCaseSchema), ...protectedErrors },
      },
    },
    async (req) => {
      const q = req.query;
      return listFraudCases(bo.ledger, { status: q.status, purseId: q.purse, terminalId: q.terminal, merchantId: merchantScope(req, q.merchant), limit: q.limit, cursor: q.cursor });
    },
  );

  app.get(
    '/v1/fraud-cases/:caseId',
    {
      config: { access: { roles: ['operator', 'merchant'], owner: 'merchant' }, etag: true },
      schema: { tags: ['fraud cases'], summary: 'One case with its evidence: both payments, decoded, with their bytes', params, response: { 200: fraudCaseSchema.extend({ evidence }), ...protectedErrors } },
    },
    async (req) => {
      const c = await lookupFraudCase(bo.ledger, { caseId: req.params.caseId, merchantId: merchantScope(req, undefined) });
      return c as unknown as z.infer<typeof fraudCaseSchema> & { evidence: z.infer<typeof evidence> };
    },
  );

  app.post(
    '/v1/fraud-cases/:caseId/resolve',
    {
      config: { access: { roles: ['operator'] }, idempotent: true },
      schema: {
        tags: ['fraud cases'],
        summary: "Resolve a case: pay the merchant (from the fraud-loss account) or charge the purse's account back",
        params,
        body: z.object({ outcome: z.enum(FRAUD_OUTCOMES as [string, ...string[]]), reason: reasonField }).strict(),
        response: { 200: z.object({ case: fraudCaseSchema, created: z.boolean() }), 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req) => resolveFraudCase(bo.ledger, { caseId: req.params.caseId, outcome: req.body.outcome as (typeof FRAUD_OUTCOMES)[number], reason: req.body.reason, actor: principal(req).sub, now: bo.now() }),
  );
}
