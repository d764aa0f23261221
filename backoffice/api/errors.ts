// The back-office API's one error body ({ error: { code, message, requestId } }) and how each TesseraError code maps to an HTTP status.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { TesseraError, isTesseraError, type ErrorCode } from '#common';

/** The body of every non-2xx answer (docs/api-backoffice.md, "Errors"). */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string };
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  USAGE: 400,
  API_BAD_REQUEST: 400,
  CONFIG_INVALID: 400,
  API_UNAUTHORIZED: 401,
  API_FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYMENT_NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  API_IDEMPOTENCY_MISMATCH: 409,
  INSUFFICIENT_FUNDS: 409,
  CONFLICT: 409,
  API_TOO_LARGE: 413,
  VERIFICATION_FAILED: 422,
  CURRENCY_MISMATCH: 422,
  REFUND_EXCEEDS_PAYMENT: 422,
  KEY_INVALID: 422,
  API_RATE_LIMITED: 429,
  // the wallet API
  CHALLENGE_INVALID: 422,
  CHALLENGE_EXPIRED: 422,
  CHALLENGE_USED: 409,
  PURSE_NOT_ACTIVE: 409,
  PURSE_UNSETTLED: 409,
  DB_UNREACHABLE: 503,
  API_IDP_UNREACHABLE: 503,
  BROKER_UNREACHABLE: 503,
};

/** HTTP status for a TesseraError code (500 for anything not listed: a fault, not the caller's). */
export const statusOf = (code: ErrorCode): number => STATUS[code] ?? 500;

export const errorBody = (code: ErrorCode, message: string, requestId: string): ErrorBody => ({ error: { code, message, requestId } });

export function sendError(req: FastifyRequest, reply: FastifyReply, e: TesseraError, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(statusOf(e.code)).headers(headers).send(errorBody(e.code, e.message, req.id));
}

/** Fastify's own failures (body too large, bad JSON, unsupported media type…) by their status. */
function fromFastify(e: FastifyError): TesseraError {
  const status = e.statusCode ?? 500;
  if (status === 413) return new TesseraError('API_TOO_LARGE', e.message);
  if (status === 429) return new TesseraError('API_RATE_LIMITED', e.message);
  if (status >= 400 && status < 500) return new TesseraError('API_BAD_REQUEST', e.message);
  return new TesseraError('INTERNAL', 'internal error');
}

/** Installs the error and not-found handlers: every failure leaves in the one shape, with the request id. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req, reply) => {
    let e: TesseraError;
    if (isTesseraError(err)) e = err;
    else if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'request';
      const issues = err.validation.map((v) => `${where}${v.instancePath || ''}: ${v.message ?? 'invalid'}`).join('; ');
      e = new TesseraError('API_BAD_REQUEST', issues);
    } else if (isResponseSerializationError(err)) {
      req.log.error({ err }, 'response does not match its schema');
      e = new TesseraError('INTERNAL', 'internal error');
    } else e = fromFastify(err as FastifyError);
    if (statusOf(e.code) >= 500) req.log.error({ err }, 'request failed');
    const retry = (err as { headers?: Record<string, string> }).headers;
    return sendError(req, reply, e, e.code === 'API_RATE_LIMITED' && retry ? retry : {});
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new TesseraError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`)));
}
