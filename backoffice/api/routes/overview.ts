// GET /v1/overview (the operator dashboard's figures, from the shared operation) and GET /metrics (all-time counters and clearing state for Prometheus).
import { z } from 'zod';
import type { BackOffice } from '../../backoffice.js';
import { readFigures, type Figures } from '../../figures.js';
import { moneySchema, protectedErrors, type ZodApp } from '../app.js';
import { overview } from '../../ops/index.js';
import type { TerminalHealthSource } from './terminals.js';

const overviewSchema = z.object({
  at: z.number().int(),
  terminals: z.number().int(),
  purses: z.object({ active: z.number().int(), reserved: moneySchema }),
  lastDay: z.object({ settlements: z.number().int(), amount: moneySchema, incidents: z.number().int() }).describe('the 24 hours before `at`'),
  fraud: z.object({ open: z.number().int(), openAmount: moneySchema, resolved: z.number().int() }),
  denylist: z.object({ size: z.number().int() }),
});

/** Prometheus text exposition (version 0.0.4) of the figures. */
export function prometheusText(f: Figures, now: number): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([labels, v]) => `${name}${labels} ${v}`));
  };
  metric('tessera_settlements_total', 'counter', 'Payments settled.', [['', f.settlements.count]]);
  metric('tessera_settled_amount_minor_total', 'counter', 'Sum of settled payments, minor units.', [[`{currency="${f.currency}"}`, f.settlements.amount]]);
  metric('tessera_fraud_cases', 'gauge', 'Fraud cases by status.', [['{status="open"}', f.fraudCases.open], ['{status="resolved"}', f.fraudCases.resolved]]);
  metric('tessera_incidents_total', 'counter', 'Incident occurrences clearing recorded.', [['', f.incidents.occurrences]]);
  metric('tessera_terminals', 'gauge', 'Terminals enrolled.', [['', f.terminals]]);
  metric('tessera_purses_active', 'gauge', 'Purses active.', [['', f.purses.active]]);
  metric('tessera_denylist_purses', 'gauge', 'Purses on the deny list.', [['', f.denylist.purses]]);
  metric('tessera_denylist_unpublished', 'gauge', 'Deny-list entries not yet in a signed list.', [['', f.denylist.unpublished]]);
  metric('tessera_clearing_backlog_held', 'gauge', 'Journal records held behind a gap.', [['', f.held]]);
  if (f.clearing.lastProcessedAt !== null && f.clearing.lagSeconds !== null) {
    metric('tessera_clearing_last_processed_timestamp_seconds', 'gauge', 'When clearing last recorded a journal record.', [['', f.clearing.lastProcessedAt]]);
    metric('tessera_clearing_idle_seconds', 'gauge', 'Seconds since clearing last recorded a journal record.', [['', Math.max(0, now - f.clearing.lastProcessedAt)]]);
    metric('tessera_clearing_lag_seconds', 'gauge', 'How late the newest recorded journal record reached clearing (processed minus terminal time).', [['', f.clearing.lagSeconds]]);
  }
  return lines.join('\n') + '\n';
}

export function overviewRoutes(app: ZodApp, bo: BackOffice, health: TerminalHealthSource | undefined): void {
  app.get(
    '/v1/overview',
    {
      config: { access: { roles: ['operator'] } },
      schema: { tags: ['overview'], summary: "The operator dashboard's figures: terminals, purses, the last day's settlements and incidents, fraud cases, deny list", response: { 200: overviewSchema, ...protectedErrors } },
    },
    async () => overview(bo.ledger, { now: bo.now() }),
  );

  // Scraped by Prometheus on the operator's network; not under /v1 (no token), not in the OpenAPI document.
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const f = { ...(await readFigures(bo.ledger)), currency: bo.currency };
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(prometheusText(f, bo.now()) + (health?.metrics?.() ?? ''));
  });
}
