// Idempotency-Key on POSTs that move money: the first answer is stored and replayed to a retry; the same key with another request is a 409.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import { TesseraError } from '#common';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const idempotencyKey = z.string().min(8).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits, . _ : - only (8-128)');
const headers = z.object({ [IDEMPOTENCY_HEADER]: idempotencyKey.describe('your id for this request: a retry with it gets the first answer, nothing moves twice') });

interface Entry {
  fingerprint: string;
  /** Undefined while the first request is still running. */
  answer?: { status: number; body: string; contentType: string };
  at: number;
}

/**
 * Stored answers per (caller, route, key), kept `ttlMs` (24 h) and at most `max` of them. The store
 * is per process; the money operations behind these routes are idempotent in the ledger too (the
 * key becomes the transfer or refund id, or the operation is a no-op on its second run), so a
 * retry that reaches another process or a restarted one still moves money once.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 24 * 3_600_000,
    private readonly max = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(k: string): Entry | undefined {
    const e = this.entries.get(k);
    if (e && this.now() - e.at > this.ttlMs) {
      this.entries.delete(k);
      return undefined;
    }
    return e;
  }

  begin(k: string, fingerprint: string): void {
    // Oldest first: Map keeps insertion order.
    while (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(k, { fingerprint, at: this.now() });
  }

  finish(k: string, answer: Entry['answer']): void {
    const e = this.entries.get(k);
    if (e) e.answer = answer;
  }

  abandon(k: string): void {
    this.entries.delete(k);
  }
}

const slot = (req: FastifyRequest): string => `${req.principal?.sub ?? ''}\u0000${req.method} ${req.routeOptions.url ?? ''}\u0000${String(req.headers[IDEMPOTENCY_HEADER])}`;
const fingerprintOf = (req: FastifyRequest): string => createHash('sha256').update(JSON.stringify([req.params, req.body ?? null])).digest('hex');

const SLOT = Symbol('idempotency-slot');
type Marked = FastifyRequest & { [SLOT]?: string };

/** Routes with `config.idempotent` require the header (documented in OpenAPI) and replay stored answers. */
export function installIdempotency(app: FastifyInstance, store: IdempotencyStore): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.config?.idempotent) return;
    if (route.method !== 'POST') throw new TesseraError('INTERNAL', `${route.url}: only POST routes take an Idempotency-Key`);
    route.schema = { ...route.schema, headers: route.schema?.headers ?? headers };
    const before = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const k = slot(req);
      const fp = fingerprintOf(req);
      const e = store.get(k);
      if (!e) {
        store.begin(k, fp);
        (req as Marked)[SLOT] = k;
        return;
      }
      if (e.fingerprint !== fp) throw new TesseraError('API_IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was used for another request (a different body or target)');
      if (!e.answer) throw new TesseraError('API_IDEMPOTENCY_MISMATCH', 'a request with this Idempotency-Key is still in progress; retry later');
      await reply.code(e.answer.status).header('content-type', e.answer.contentType).header('idempotent-replayed', 'true').send(e.answer.body);
    };
    const existing = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [before, ...existing] as RouteOptions['preHandler'];
  });
  // Answers are stored once sent; a server fault (5xx) is not, so a retry runs again.
  app.addHook('onSend', async (req, reply, payload) => {
    const k = (req as Marked)[SLOT];
    if (k === undefined) return payload;
    if (reply.statusCode >= 500 || typeof payload !== 'string') store.abandon(k);
    else store.finish(k, { status: reply.statusCode, body: payload, contentType: String(reply.getHeader('content-type') ?? 'application/json') });
    return payload;
  });
}
