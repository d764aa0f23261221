// Serves the dashboard and wallet builds (dist/web/<app>) at /<app>/, pre-compressed where the build wrote .br/.gz, with the SPA fallback to index.html.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TesseraError } from '#common';
import { sendError } from './errors.js';

export const WEB_APPS = ['dashboard', 'wallet'] as const;

/** dist/web next to the compiled back office (dist/backoffice/api/static.js → dist/web). */
export const defaultWebRoot = (): string => fileURLToPath(new URL('../../web/', import.meta.url));

export function serveWebApps(app: FastifyInstance, webRoot: string): void {
  for (const name of WEB_APPS) {
    const root = join(webRoot, name);
    void app.register(async (scope) => {
      if (!existsSync(join(root, 'index.html'))) {
        const notBuilt = (req: FastifyRequest, reply: FastifyReply) => sendError(req, reply, new TesseraError('NOT_FOUND', `the ${name} is not built (make build writes ${root})`));
        scope.get('/', notBuilt);
        scope.get('/*', notBuilt);
        return;
      }
      // preCompressed: FILE.br / FILE.gz written by `make build` (scripts/compress-web.ts) go out with
      // Content-Encoding and Vary: Accept-Encoding; a client that takes neither gets FILE itself.
      await scope.register(fastifyStatic, { root, prefix: '/', redirect: true, decorateReply: true, wildcard: true, index: ['index.html'], cacheControl: true, maxAge: 0, preCompressed: true });
      // Client-side routes (/dashboard/fraud-cases/3) get the app; a missing asset (a path with an extension) is a 404.
      scope.setNotFoundHandler((req, reply) => {
        const path = req.url.split('?')[0] ?? '';
        if (req.method !== 'GET' || /\.[a-z0-9]+$/i.test(path)) return sendError(req, reply, new TesseraError('NOT_FOUND', `no file ${path}`));
        return reply.header('cache-control', 'no-cache').sendFile('index.html');
      });
    }, { prefix: `/${name}` });
  }
}
