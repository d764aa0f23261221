// GET /v1/me: who the access token speaks for.
import { z } from 'zod';
import type { ZodApp } from '../app.js';
import { protectedErrors } from '../app.js';
import { ROLES } from '../auth.js';
import { principal } from '../guard.js';

export const meSchema = z.object({ sub: z.string(), roles: z.array(z.enum(ROLES)), merchantId: z.string().nullable(), accountId: z.string().nullable() });

export function meRoutes(app: ZodApp): void {
  app.get(
    '/v1/me',
    {
      config: { access: { roles: ROLES } },
      schema: { tags: ['identity'], summary: 'The signed-in user: subject, roles, merchant and account', response: { 200: meSchema, ...protectedErrors } },
    },
    async (req) => principal(req),
  );
}
