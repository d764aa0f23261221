// /v1/incidents and /v1/denylist: what clearing flagged at terminals, and the purses terminals refuse.
import { z } from 'zod';
import type { BackOffice } from '../../backoffice.js';
import type { IncidentKind } from '../../ledger.js';
import { idParam, protectedErrors, type ZodApp } from '../app.js';
import { pageOf, pageQuery, paginate } from '../paging.js';
import { incidentSchema } from './terminals.js';

const kinds = ['unknown-terminal', 'bad-record', 'gap', 'fork', 'chain-break', 'invalid-payment', 'retired-chain', 'refused-adjustment'] as const satisfies readonly IncidentKind[];

export function incidentRoutes(app: ZodApp, bo: BackOffice): void {
  app.get(
    '/v1/incidents',
    {
      config: { access: { roles: ['operator'] } },
      schema: {
        tags: ['incidents'],
        summary: 'Incidents clearing recorded (gaps, forks, bad records…), newest first',
        querystring: z.object({ ...pageQuery, terminal: idParam.optional(), kind: z.enum(kinds).optional() }).strict(),
        response: { 200: pageOf(incidentSchema), ...protectedErrors },
      },
    },
    async (req) => {
      const q = req.query;
      const all = (await bo.ledger.incidents()).filter((i) => (q.terminal === undefined || i.terminalId === q.terminal) && (q.kind === undefined || i.kind === q.kind));
      return paginate(all, (i) => -i.id, q);
    },
  );

  app.get(
    '/v1/denylist',
    {
      config: { access: { roles: ['operator'] } },
      schema: {
        tags: ['deny list'],
        summary: 'The deny list as it stands: its newest signed version, entries not yet in a signed list, and the purses (by id)',
        querystring: z.object(pageQuery).strict(),
        response: { 200: pageOf(z.object({ purseId: z.string() })).extend({ version: z.number().int(), unpublished: z.number().int(), total: z.number().int() }), ...protectedErrors },
      },
    },
    async (req) => {
      const d = await bo.ledger.denyList();
      const page = paginate(d.purseIds, (p) => p, req.query);
      return { version: d.version, unpublished: d.unpublished, total: d.purseIds.length, items: page.items.map((purseId) => ({ purseId })), nextCursor: page.nextCursor };
    },
  );
}
