// Mounts the dev identity provider under /dev-idp on the fastify server, with its login page checking the seeded users' passwords.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { checkPassword, type DevUser } from './users.js';
import { DEV_IDP_PATH } from '../constants.js';
import { esc } from './provider.js';

export interface DevIdpHolder {
  provider?: Provider;
  users: readonly DevUser[];
}


function loginPage(uid: string, client: string, error?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tessera development sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.75rem 0 .25rem}
input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}.err{color:#a00}.dev{background:#fff3cd;padding:.5rem}</style></head>
<body><main><h1>Sign in to Tessera</h1><p class="dev">Development identity provider: never use it in production.</p>
<p>Application: <strong>${esc(client)}</strong></p>${error ? `<p class="err" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="${DEV_IDP_PATH}/interaction/${esc(uid)}/login">
<label for="username">User</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></main></body></html>`;
}

/** oidc-provider is a Koa app: hand it the raw request with the mount path stripped (it rebuilds URLs from originalUrl). */
function delegate(holder: DevIdpHolder) {
  return (req: FastifyRequest, reply: FastifyReply): void => {
    const provider = holder.provider;
    if (!provider) {
      void reply.code(503).send({ error: { code: 'API_IDP_UNREACHABLE', message: 'the development identity provider is starting', requestId: req.id } });
      return;
    }
    reply.hijack();
    const raw = req.raw as IncomingMessage & { originalUrl?: string };
    raw.originalUrl = raw.url;
    raw.url = (raw.url ?? '/').slice(DEV_IDP_PATH.length) || '/';
    provider.callback()(raw, reply.raw);
  };
}

export function mountDevIdp(app: FastifyInstance, holder: DevIdpHolder): void {
  // The provider reads request bodies itself: this scope leaves the stream unread.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    scope.all(`${DEV_IDP_PATH}/*`, delegate(holder));
  });

  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4_096 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    scope.get<{ Params: { uid: string } }>(`${DEV_IDP_PATH}/interaction/:uid`, async (req, reply) => {
      const provider = holder.provider;
      if (!provider) return reply.code(503).send('starting');
      const details = await provider.interactionDetails(req.raw, reply.raw);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(loginPage(details.uid, String(details.params.client_id ?? '')));
    });
    scope.post<{ Params: { uid: string }; Body: Record<string, string> }>(`${DEV_IDP_PATH}/interaction/:uid/login`, async (req, reply) => {
      const provider = holder.provider;
      if (!provider) return reply.code(503).send('starting');
      const details = await provider.interactionDetails(req.raw, reply.raw);
      const body = req.body ?? {};
      const user = checkPassword(holder.users, String(body.username ?? ''), String(body.password ?? ''));
      if (!user) {
        req.log.info({ username: String(body.username ?? '').slice(0, 64) }, 'dev sign-in refused');
        return reply.code(401).type('text/html; charset=utf-8').send(loginPage(details.uid, String(details.params.client_id ?? ''), 'Wrong user or password.'));
      }
      reply.hijack();
      await provider.interactionFinished(req.raw, reply.raw, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
      return reply;
    });
  });
}
