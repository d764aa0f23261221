// The terminal itself: status, its event stream, signed fleet updates, scan injection, sync now.
import { z } from 'zod';
import { TesseraError } from '#common';
import { redactSecrets } from '../../secrets.js';
import { serveEvents } from '../events.js';
import { route } from '../http.js';

export const terminalRoutes = [
  route({
    method: 'GET',
    path: '/v1/status',
    summary: 'Readiness, clock, journal and sync backlog, latency, devices',
    responses: { 200: 'the status, as `tessera status` shows it' },
    handle: (ctx) => ({ status: 200, body: redactSecrets(ctx.daemon.status()) }),
  }),
  route({
    method: 'GET',
    path: '/v1/events',
    summary: 'Server-sent events: status, decision, payment (resumable with Last-Event-ID)',
    query: z.strictObject({ lastEventId: z.string().optional().describe('Resume after this event id (for clients that cannot send the Last-Event-ID header).') }),
    produces: 'text/event-stream',
    responses: { 200: 'the event stream' },
    handle(ctx, { req, res }) {
      serveEvents(req, res, new URL(req.url ?? '/', 'http://tessera'), {
        checkout: ctx.checkout,
        store: ctx.store,
        status: () => redactSecrets(ctx.daemon.status()),
        track: ctx.track,
      });
    },
  }),
  route({
    method: 'POST',
    path: '/v1/fleet',
    summary: 'Apply a signed fleet message (trust list, deny list, fare config)',
    body: z.strictObject({ text: z.string({ error: 'text (TL1:… or TF1:…) is required' }).describe('The signed message as text (TL1:…, TF1:…).') }),
    responses: { 200: 'applied', 422: 'refused: { ok: false, reason }' },
    handle(ctx, { body }) {
      const r = ctx.daemon.applyUpdate(body.text);
      return { status: r.ok ? 200 : 422, body: r };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/scan',
    summary: 'Decide a code as if scanned (only with api.allowScanInjection)',
    body: z.strictObject({ code: z.string({ error: 'code (the scanned text) is required' }).describe('The scanned text.') }),
    responses: { 200: 'the decision' },
    async handle(ctx, { body }) {
      if (!ctx.config.allowScanInjection) throw new TesseraError('API_BAD_REQUEST', 'scan injection is disabled (api.allowScanInjection)', { details: { httpStatus: 403 } });
      return { status: 200, body: await ctx.checkout.scan(body.code) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/sync',
    summary: 'Send the journal backlog to the broker now; with wait, answer once it is acknowledged',
    body: z.strictObject({
      wait: z.boolean().optional().describe('Answer once the backlog is 0 (or SYNC_TIMEOUT).'),
      timeoutMs: z.number().int().positive().optional().describe('How long to try (ms).'),
    }),
    responses: { 200: 'the sync status' },
    async handle(ctx, { body }) {
      const c = ctx.daemon.component?.('sync') as { drainNow?: (ms?: number) => Promise<void>; status?: () => unknown } | undefined;
      if (!c?.drainNow) throw new TesseraError('BROKER_UNREACHABLE', 'sync is not configured on this terminal (no "sync" section in the config)', { details: { httpStatus: 409 } });
      const failed = ctx.daemon.componentFailure?.('sync');
      if (failed) throw new TesseraError('BROKER_UNREACHABLE', `sync failed to start: ${failed.code}: ${failed.message}`, { details: { httpStatus: 409 } });
      const drain = c.drainNow(body.timeoutMs);
      if (body.wait === true) await drain;
      else drain.catch(() => {});
      return { status: 200, body: c.status?.() ?? {} };
    },
  }),
];
