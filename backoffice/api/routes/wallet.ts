// /v1/wallet/*: the customer's wallet onboarding and purses (challenge, proven key → purse, show, payments, refresh, return).
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TesseraError } from '#common';
import type { WalletPurse, WalletService } from '../../wallet/service.js';
import { minorUnits, protectedErrors, type ZodApp } from '../app.js';
import { principal } from '../guard.js';
import { decodeCursor, encodeCursor, pageOf, pageQuery } from '../paging.js';

const hex = (bytes: number) => z.string().length(bytes * 2).regex(/^[0-9a-fA-F]+$/, 'hex');

export const walletPurseSchema = z.object({
  purseId: z.string().describe('32 hex characters'),
  state: z.enum(['active', 'denied', 'expired', 'closed']).describe('closed: returned, or expired and swept; denied: on the deny list; expired: past notAfter'),
  currency: z.string(),
  cap: minorUnits.describe('minor units'),
  perPaymentLimit: minorUnits,
  spent: minorUnits.describe('sum of the settled payments'),
  reserved: minorUnits.describe('still reserved from the account for this purse'),
  notBefore: z.number().int().describe('Unix seconds'),
  notAfter: z.number().int().describe('Unix seconds'),
  walletKey: z.string().describe('hex of the 33-byte compressed P-256 key the purse is bound to'),
  purseCert: z.string().describe('TK1 text of the signed purse certificate'),
});

const purseFileSchema = z.object({ format: z.literal('tessera-purse/1'), purseCert: z.string(), trustList: z.string(), rootPublicKey: z.string() });
const issuedSchema = z.object({ purse: walletPurseSchema, file: purseFileSchema.describe('what the wallet stores: certificate, trust list, root key') });
const paymentSchema = z.object({ txId: z.string(), seq: z.number().int(), amount: minorUnits, terminalId: z.string(), merchantId: z.string(), settledAt: z.number().int() });
const purseParams = z.object({ purseId: z.string().regex(/^[0-9a-f]{32}$/, '32 lowercase hex characters') });
const idempotencyHeader = z.object({ 'idempotency-key': z.string().min(8).max(128).regex(/^[A-Za-z0-9._:-]+$/) });
const terms = {
  perPaymentLimit: minorUnits.positive().optional().describe('default: the cap (refresh: the old limit)'),
  days: z.number().int().min(1).max(365).optional().describe('validity in days (default 30)'),
};
const conflicts = { 409: protectedErrors[400], 422: protectedErrors[400] };
/** Customers only, each scoped to the account its token names (owner: the account, never a parameter). */
const customer = { roles: ['customer'] as const, owner: 'account' as const };

/** The account the customer's token names (claim tessera_account). */
function accountOf(req: FastifyRequest): string {
  const p = principal(req);
  if (p.accountId === null) throw new TesseraError('API_FORBIDDEN', 'the token names no customer account (claim tessera_account)');
  return p.accountId;
}

const out = (p: WalletPurse): z.infer<typeof walletPurseSchema> => ({ ...p });

export function walletRoutes(app: ZodApp, wallet: WalletService): void {
  // Someone else's purse is not found before anything of the request is looked at (no validation detail leaks to a stranger).
  const ownPurse = { preValidation: async (req: FastifyRequest) => void (await wallet.owned(accountOf(req), String((req.params as { purseId?: unknown }).purseId))) };

  app.post(
    '/v1/wallet/challenge',
    {
      config: { access: customer },
      schema: {
        tags: ['wallet'],
        summary: 'A challenge for the wallet to sign (proof that it holds its key)',
        description: 'Random, bound to the account, valid 5 minutes, buys one purse. The wallet signs the ASCII bytes of `challenge` preceded by "TESSERA-WALLET-KEY-PROOF/1" and a zero byte (ES256, 64-byte low-S r‖s).',
        response: { 201: z.object({ challenge: z.string(), expiresAt: z.number().int() }), ...protectedErrors },
      },
    },
    async (req, reply) => reply.code(201).send(await wallet.challenge(accountOf(req))),
  );

  app.post(
    '/v1/wallet/purses',
    {
      config: { access: customer, idempotent: true },
      schema: {
        tags: ['wallet'],
        summary: 'Register a wallet key proven by a signature over a challenge: a purse bound to it, the cap reserved from the account',
        headers: idempotencyHeader,
        body: z
          .object({
            publicKey: hex(33).describe('the wallet key: 33-byte compressed P-256, hex'),
            challenge: z.string().min(1).max(256),
            signature: hex(64).describe('ES256 r‖s (low-S) over the proof message, hex'),
            cap: minorUnits.positive().describe('minor units, reserved from the account now'),
            ...terms,
          })
          .strict(),
        response: { 201: issuedSchema, 200: issuedSchema, ...conflicts, ...protectedErrors },
      },
    },
    async (req, reply) => {
      const r = await wallet.register(accountOf(req), req.body);
      return reply.code(r.replayed ? 200 : 201).send({ purse: out(r.purse), file: r.file });
    },
  );

  app.get(
    '/v1/wallet/purses/:purseId',
    {
      ...ownPurse,
      config: { access: customer, etag: true },
      schema: { tags: ['wallet'], summary: "One of the customer's purses and its state", params: purseParams, response: { 200: walletPurseSchema, ...protectedErrors } },
    },
    async (req) => out(await wallet.purse(accountOf(req), req.params.purseId)),
  );

  app.get(
    '/v1/wallet/purses/:purseId/payments',
    {
      ...ownPurse,
      config: { access: customer },
      schema: {
        tags: ['wallet'],
        summary: "The purse's settled payments, in sequence order",
        params: purseParams,
        querystring: z.object(pageQuery).strict(),
        response: { 200: pageOf(paymentSchema), ...protectedErrors },
      },
    },
    async (req) => {
      const after = req.query.cursor === undefined ? undefined : decodeCursor(req.query.cursor);
      if (after !== undefined && typeof after !== 'number') throw new TesseraError('API_BAD_REQUEST', 'cursor is not one this API returned');
      const page = await wallet.payments(accountOf(req), req.params.purseId, { limit: req.query.limit, ...(after !== undefined ? { cursor: String(after) } : {}) });
      return { items: page.items, nextCursor: page.nextCursor === null ? null : encodeCursor(Number(page.nextCursor)) };
    },
  );

  app.post(
    '/v1/wallet/purses/:purseId/refresh',
    {
      ...ownPurse,
      config: { access: customer, idempotent: true },
      schema: {
        tags: ['wallet'],
        summary: 'A new purse for the same key while this one is active (a larger cap tops up)',
        description: 'The new cap is reserved now; the old purse stays valid until it expires or is returned, so its payments still settle. An expired, denied or closed purse is refused (409 PURSE_NOT_ACTIVE): register again with a new challenge.',
        params: purseParams,
        headers: idempotencyHeader,
        body: z.object({ cap: minorUnits.positive().optional().describe('default: the old cap'), ...terms }).strict(),
        response: { 201: issuedSchema.extend({ replaces: z.string() }), ...conflicts, ...protectedErrors },
      },
    },
    async (req, reply) => {
      const r = await wallet.refresh(accountOf(req), req.params.purseId, { ...req.body, idempotencyKey: req.headers['idempotency-key'] });
      return reply.code(201).send({ purse: out(r.purse), file: r.file, replaces: r.replaces });
    },
  );

  app.post(
    '/v1/wallet/purses/:purseId/return',
    {
      ...ownPurse,
      config: { access: customer, idempotent: true },
      schema: {
        tags: ['wallet'],
        summary: 'Hand back a purse: denied at once, its unspent reservation returned to the account',
        description: '`lastSeq` is the highest payment sequence the wallet ever signed with it (0: never paid). Every sequence up to it must be settled (409 PURSE_UNSETTLED otherwise, with the missing ones): a payment still on its way from a terminal would otherwise find the purse closed.',
        params: purseParams,
        headers: idempotencyHeader,
        body: z.object({ lastSeq: z.number().int().min(0).max(2 ** 31) }).strict(),
        response: { 200: z.object({ purse: walletPurseSchema, returned: minorUnits.describe('minor units back on the account') }), ...conflicts, ...protectedErrors },
      },
    },
    async (req) => {
      const r = await wallet.returnPurse(accountOf(req), req.params.purseId, req.body);
      return { purse: out(r.purse), returned: r.returned };
    },
  );
}
