// OpenID Connect sign-in with the authorization code flow and PKCE (S256), through oauth4webapi.
import * as oauth from 'oauth4webapi';
import { BASE, loadConfig, type DashboardConfig } from '../config.js';
import { session } from './session.js';

const FORCE_LOGIN = 'tessera.forceLogin';

interface Issuer {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  config: DashboardConfig;
}

let issuer: Promise<Issuer> | undefined;

function discover(): Promise<Issuer> {
  issuer ??= (async () => {
    const config = await loadConfig();
    const url = new URL(config.issuer);
    const opts = url.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};
    const as = await oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oidc', ...opts }));
    return { as, client: { client_id: config.clientId }, config };
  })();
  issuer.catch(() => (issuer = undefined));
  return issuer;
}

function insecure(as: oauth.AuthorizationServer): { [oauth.allowInsecureRequests]?: boolean } {
  return as.issuer.startsWith('http:') ? { [oauth.allowInsecureRequests]: true } : {};
}

export const redirectUri = (): string => new URL(`${BASE}callback`, location.origin).href;

/** Sends the browser to the issuer's sign-in page; `returnTo` is the in-app path to land on afterwards. */
export async function startLogin(returnTo: string): Promise<void> {
  const { as, client, config } = await discover();
  if (!as.authorization_endpoint) throw new Error('the issuer has no authorization endpoint');
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  session.setPending({ state, verifier, nonce });
  session.rememberReturn(returnTo);
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', client.client_id);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', config.scope ?? 'openid profile');
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  if (config.resource) url.searchParams.set('resource', config.resource);
  // After a sign-out the issuer's own session may still be alive: ask it to show its form again.
  if (sessionStorage.getItem(FORCE_LOGIN)) url.searchParams.set('prompt', 'login');
  location.assign(url.href);
}

/** Finishes the flow on /callback: checks state, swaps the code (with the verifier) for tokens. Returns the path to go back to. */
export async function finishLogin(current: URL): Promise<string> {
  const pending = session.takePending();
  if (!pending) throw new Error('This sign-in was not started here (or the tab was reloaded during it). Sign in again.');
  const { as, client, config } = await discover();
  const params = oauth.validateAuthResponse(as, client, current, pending.state);
  const extra = config.resource ? { additionalParameters: { resource: config.resource } } : {};
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), pending.verifier, { ...insecure(as), ...extra });
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true });
  const lifetime = (result.expires_in ?? 300) * 1000;
  session.set({ accessToken: result.access_token, ...(result.id_token ? { idToken: result.id_token } : {}), expiresAt: Date.now() + lifetime - 5_000 });
  sessionStorage.removeItem(FORCE_LOGIN);
  return session.takeReturn() ?? '/';
}

const SIGNED_OUT = 'tessera.signedOut';

/**
 * Signs out here and at the issuer (OpenID Connect RP-initiated logout): forgets the tokens, then
 * sends the browser to the issuer's end_session_endpoint with the ID token as the hint, to come
 * back to the dashboard's start. Resolves false when the issuer offers no such endpoint (or cannot
 * be reached): then only this tab forgets, and the next sign-in asks the issuer for the password
 * again with prompt=login.
 */
export async function logout(): Promise<boolean> {
  const idToken = session.peek()?.idToken;
  session.clear();
  sessionStorage.setItem(SIGNED_OUT, '1');
  const found = await discover().catch(() => undefined);
  const end = found?.as.end_session_endpoint;
  if (!found || !end) {
    sessionStorage.setItem(FORCE_LOGIN, '1');
    return false;
  }
  const url = new URL(end);
  if (idToken) url.searchParams.set('id_token_hint', idToken);
  url.searchParams.set('client_id', found.client.client_id);
  url.searchParams.set('post_logout_redirect_uri', new URL(BASE, location.origin).href);
  location.assign(url.href);
  return true;
}

/** Whether the user has just signed out (once: the sign-in screen says so after the issuer sends them back). */
export function justSignedOut(): boolean {
  const v = sessionStorage.getItem(SIGNED_OUT) !== null;
  sessionStorage.removeItem(SIGNED_OUT);
  return v;
}
