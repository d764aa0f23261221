// Drives the dev identity provider's sign-in like a browser would (code + PKCE, cookies, the login form) and returns its tokens.
import { createHash, randomBytes } from 'node:crypto';
import { TesseraError } from '#common';

export interface DevLogin {
  /** The API server's base URL. */
  base: string;
  username: string;
  password: string;
  /** tessera-dashboard (default) or tessera-wallet. */
  client?: string;
}

export interface DevTokens {
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  expiresIn: number;
}

/** A cookie jar good enough for one origin (the dev IdP and the API share it). */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(r: Response): void {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function step(jar: Jar, url: string, init: RequestInit = {}): Promise<Response> {
  const r = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header() } });
  jar.take(r);
  return r;
}

/** Follows redirects by hand (keeping cookies) until one leaves for the app's redirect URI. */
async function follow(jar: Jar, r: Response, from: string, until: string): Promise<URL> {
  let res = r;
  let at = from;
  for (let hops = 0; hops < 10; hops++) {
    const loc = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !loc) throw new TesseraError('API_UNAUTHORIZED', `dev sign-in stopped at ${at} with HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const next = new URL(loc, at);
    if (next.href.startsWith(until)) return next;
    at = next.href;
    res = await step(jar, at);
  }
  throw new TesseraError('INTERNAL', 'dev sign-in: too many redirects');
}

/** Signs in as a seeded user and exchanges the code for tokens (the audience is the API's). */
export async function devIdpLogin(o: DevLogin): Promise<DevTokens> {
  const client = o.client ?? 'tessera-dashboard';
  const app = client === 'tessera-wallet' ? 'wallet' : 'dashboard';
  const redirect = `${o.base}/${app}/callback`;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const jar = new Jar();
  const auth = new URL(`${o.base}/dev-idp/auth`);
  for (const [k, v] of Object.entries({ client_id: client, response_type: 'code', redirect_uri: redirect, scope: 'openid profile', code_challenge: challenge, code_challenge_method: 'S256', state: randomBytes(8).toString('hex') })) {
    auth.searchParams.set(k, v);
  }
  const first = await step(jar, auth.href);
  const interaction = new URL(first.headers.get('location') ?? '', auth);
  const form = new URLSearchParams({ username: o.username, password: o.password });
  const login = await step(jar, `${interaction.href}/login`, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const back = await follow(jar, login, `${interaction.href}/login`, redirect);
  const code = back.searchParams.get('code');
  if (!code) throw new TesseraError('API_UNAUTHORIZED', `dev sign-in returned no code: ${back.search}`);
  const tok = await fetch(`${o.base}/dev-idp/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: client, code_verifier: verifier }),
  });
  const j = (await tok.json()) as { access_token?: string; id_token?: string; refresh_token?: string; expires_in?: number; error?: string; error_description?: string };
  if (!tok.ok || !j.access_token || !j.id_token) throw new TesseraError('API_UNAUTHORIZED', `token exchange failed: ${j.error ?? tok.status} ${j.error_description ?? ''}`);
  return { accessToken: j.access_token, idToken: j.id_token, expiresIn: j.expires_in ?? 0, ...(j.refresh_token ? { refreshToken: j.refresh_token } : {}) };
}
