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
