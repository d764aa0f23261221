// /v1/terminals: the fleet (a merchant sees their own), each with its journal state and, when a status source is wired, its health.
import { z } from 'zod';
import { parseLocation } from '#protocol';
import { listTerminals, lookupTerminal, type TerminalSummary } from '../../ops/index.js';
import type { BackOffice } from '../../backoffice.js';
import { idParam, moneySchema, protectedErrors, type ZodApp } from '../app.js';
import { merchantScope } from '../guard.js';
import { pageOf, pageQuery } from '../paging.js';

/**
 * Where terminal health comes from (their retained MQTT status, collected by the wallet/fleet side):
 * the API asks per terminal and shows null when nothing is known or no source is wired.
 */
export interface TerminalHealthSource {
  health(terminalId: string): Record<string, unknown> | null;
  /** Extra Prometheus lines (each terminal's last-seen time, backlog…), appended to /metrics. */
  metrics?(): string;
}

const health = z.record(z.string(), z.unknown()).nullable().describe("from the terminal's retained MQTT status (null: not seen)");
const terminalSummary = z.object({
  terminalId: z.string(),
  merchantId: z.string(),
  displayName: z.string(),
  mode: z.enum(['merchant', 'transit']),
  notAfter: z.number().int(),
  operatorId: z.string().nullable(),
  line: z.string().nullable(),
  chain: z.number().int(),
  lastIndex: z.number().int().describe('highest contiguous journal index recorded'),
  health,
  location: z
    .object({ lat: z.number(), lon: z.number(), label: z.string().optional() })
    .nullable()
    .describe("where the terminal stands (WGS 84 degrees), from its config via its MQTT status (null: it does not say, or it was not seen)"),
});

const incident = z.object({
  id: z.number().int(),
  terminalId: z.string(),
  index: z.number().int().nullable(),
  lastIndex: z.number().int().nullable(),
  count: z.number().int(),
  kind: z.string(),
  detail: z.string(),
  at: z.number().int(),
  lastAt: z.number().int(),
});
export const incidentSchema = incident;

const terminalDetail = terminalSummary.omit({ chain: true, lastIndex: true }).extend({
  publicKey: z.string(),
  cert: z.string(),
  chains: z.array(z.object({ chain: z.number().int(), merchantId: z.string(), lastIndex: z.number().int(), lastHash: z.string(), retiredAt: z.number().int().nullable() })),
  records: z.record(z.string(), z.number().int()),
  settled: z.object({ count: z.number().int(), amount: moneySchema }),
  held: z.number().int(),
  incidents: z.array(incident),
});

export function terminalRoutes(app: ZodApp, bo: BackOffice, source: TerminalHealthSource | undefined): void {
  const healthOf = (id: string) => {
    const health = source?.health(id) ?? null;
    return { health, location: parseLocation(health?.location) ?? null };
  };
  const summary = (t: TerminalSummary): z.infer<typeof terminalSummary> => ({ ...t, ...healthOf(t.terminalId) });

  app.get(
    '/v1/terminals',
    {
      config: { access: { roles: ['operator', 'merchant'], owner: 'merchant' } },
      schema: {
        tags: ['terminals'],
        summary: 'List terminals by id (a merchant sees their own)',
        querystring: z.object({ ...pageQuery, merchant: idParam.optional() }).strict(),
        response: { 200: pageOf(terminalSummary), ...protectedErrors },
      },
    },
    async (req) => {
      const page = await listTerminals(bo.ledger, { merchantId: merchantScope(req, req.query.merchant), limit: req.query.limit, cursor: req.query.cursor });
      return { items: page.items.map(summary), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/terminals/:terminalId',
    {
      config: { access: { roles: ['operator', 'merchant'], owner: 'merchant' }, etag: true },
      schema: {
        tags: ['terminals'],
        summary: "A terminal: certificate, journal chains, records by outcome, settled total, held records, newest incidents, health",
        params: z.object({ terminalId: idParam }),
        response: { 200: terminalDetail, ...protectedErrors },
      },
    },
    async (req) => {
      const t = await lookupTerminal(bo.ledger, { terminalId: req.params.terminalId, merchantId: merchantScope(req, undefined) });
      return { ...t, ...healthOf(t.terminalId) };
    },
  );
}
