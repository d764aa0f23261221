// Liveness (/healthz: the process answers) and readiness (/readyz: the ledger and the identity provider answer).
import { z } from 'zod';
import type { ZodApp } from './app.js';
import type { TokenVerifier } from './auth.js';
import type { BackOffice } from '../backoffice.js';

const check = z.object({ ok: z.boolean(), detail: z.string().optional() });

export function healthRoutes(app: ZodApp, bo: BackOffice, verifier: () => TokenVerifier | undefined): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { schema: { hide: true, response: { 200: z.object({ ready: z.boolean(), checks: z.object({ ledger: check, identityProvider: check }) }), 503: z.object({ ready: z.boolean(), checks: z.object({ ledger: check, identityProvider: check }) }) } } },
    async (_req, reply) => {
      let ledger: z.infer<typeof check>;
      try {
        await bo.ledger.denyList();
        ledger = { ok: true };
      } catch (e) {
        ledger = { ok: false, detail: (e as Error).message };
      }
      const v = verifier();
      const idp = v && (await v.ready()) ? { ok: true } : { ok: false, detail: `cannot read the keys of ${v?.issuer ?? 'the identity provider'}` };
      const ready = ledger.ok && idp.ok;
      return reply.code(ready ? 200 : 503).send({ ready, checks: { ledger, identityProvider: idp } });
    },
  );
}
