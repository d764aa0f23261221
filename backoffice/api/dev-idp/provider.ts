// The embedded development identity provider: panva's oidc-provider with static public clients, seeded users and JWT access tokens.
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { API_RESOURCE, CLIENTS, DEV_IDP_PATH } from '../constants.js';
import { claimsOf, type DevUser } from './users.js';

const ACCESS_TOKEN_TTL = 3_600;

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface DevIdpOptions {
  /** The API server's public base URL (no trailing slash). */
  base: string;
  audience: string;
  users: readonly DevUser[];
}

/** A public client (no secret): code flow with PKCE S256, redirect back to its app on this server. */
function publicClient(id: string, app: string, base: string): Record<string, unknown> {
  return {
    client_id: id,
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`${base}/${app}/callback`],
    post_logout_redirect_uris: [`${base}/${app}/`],
  };
}

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}</style></head>
<body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;

/**
 * RP-initiated logout: the provider's form (with its anti-forgery token), asking to end the whole
 * session (logout=yes). An app that names the user with id_token_hint is sent on at once; without
 * the hint, a link from anywhere could sign people out, so the user confirms with the button.
 */
async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const hinted = typeof ctx.oidc.params?.id_token_hint === 'string';
  const yes = form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>');
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = page('Signing out of Tessera', `${yes}<p>End your session at the development identity provider.</p><button type="submit" form="op.logoutForm" autofocus>Sign out</button>${hinted ? '<script>document.getElementById("op.logoutForm").submit()</script>' : ''}`);
}

async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = page('Signed out', '<p>You are signed out of Tessera.</p>');
}

export async function createDevIdp(o: DevIdpOptions): Promise<Provider> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `dev-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'ES256' };
  const byName = new Map(o.users.map((u) => [u.username, u]));
  const provider = new Provider(`${o.base}${DEV_IDP_PATH}`, {
    clients: [publicClient(CLIENTS.dashboard, 'dashboard', o.base), publicClient(CLIENTS.wallet, 'wallet', o.base)],
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'profile', 'offline_access'],
    claims: { openid: ['sub'], profile: ['name', 'tessera_roles', 'tessera_merchant', 'tessera_account'] },
    pkce: { required: () => true },
    ttl: { AccessToken: ACCESS_TOKEN_TTL, AuthorizationCode: 60, IdToken: ACCESS_TOKEN_TTL, Interaction: 600, Session: 86_400, Grant: 86_400, RefreshToken: 86_400 },
    findAccount: (_ctx: unknown, id: string) => {
      const u = byName.get(id);
      return u ? { accountId: id, claims: () => ({ sub: id, name: u.name, ...claimsOf(u) }) } : undefined;
    },
    // The access token (a JWT for the API) carries the roles, merchant and account claims.
    extraTokenClaims: (_ctx: unknown, token: { accountId?: string }) => {
      const u = token.accountId ? byName.get(token.accountId) : undefined;
      return u ? claimsOf(u) : undefined;
    },
    renderError: (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><h1>Sign-in error</h1><p>${esc(out.error ?? 'error')}: ${esc(out.error_description ?? '')}</p></body></html>`;
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${DEV_IDP_PATH}/interaction/${interaction.uid}` },
    // First-party apps: no consent screen; the grant covers openid, profile and the API.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, result } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const existing = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid profile offline_access');
      grant.addResourceScope(API_RESOURCE, 'api');
      await grant.save();
      session.ensureClientContainer(client.clientId);
      session.grantIdFor(client.clientId, grant.jti);
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (indicator !== API_RESOURCE) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return { scope: 'api', audience: o.audience, accessTokenFormat: 'jwt', accessTokenTTL: ACCESS_TOKEN_TTL, jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
  });
  return provider;
}
