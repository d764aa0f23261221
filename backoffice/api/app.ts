// The typed fastify instance the route files register on (zod schemas validate requests and describe them in OpenAPI).
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** Ids in paths and filters: the ledger's id alphabet, bounded. */
export const idParam = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits, . _ : - only');

/** Amounts are integer minor units. */
export const minorUnits = z.number().int().safe();

/** Common error responses every protected route documents. */
export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }) });
export const protectedErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** GET of one resource: answer with an ETag and 304 on If-None-Match. */
    etag?: boolean;
    /** A POST that moves money: Idempotency-Key required, the answer stored and replayed. */
    idempotent?: boolean;
  }
}

/** `{ amount, currency }`: an amount in minor units with its currency. */
export const moneySchema = z.object({ amount: minorUnits, currency: z.string() });

/** Unix seconds in query strings (from/to filters). */
export const unixSeconds = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Transaction ids are 64 hex characters (a hash of the payment). */
export const txIdParam = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex characters');

/** Purse ids are 32 hex characters. */
export const purseIdParam = z.string().regex(/^[0-9a-f]{32}$/, '32 lowercase hex characters');

/** A reason an operator gives for an action (kept with it in the ledger). */
export const reasonField = z.string().min(1).max(500);
