// Online side of the wallet: OIDC sign-in (code + PKCE), the wallet API (purse for a proven key, refresh, return) and reconciliation with settled payments.
import * as oauth from 'oauth4webapi';
import { TesseraError } from '../../../common/errors.js';
import { toHex, utf8, walletProofMessage } from '../../../protocol/portable.js';
import * as store from './store.js';
import type { PurseState, WalletDb } from './store.js';

export const CLIENT_ID = 'tessera-wallet';
/** Where the back office serves this app; the API and the identity provider are on the same origin. */
export const APP_PATH = '/wallet/';

export function apiBase(): string {
  return location.origin;
}

/** The OIDC issuer: the back office's own (dev) provider unless the app was once opened with ?issuer= (remembered: the callback comes back without it). */
export function issuerUrl(): string {
  const given = new URLSearchParams(location.search).get('issuer');
  if (given) localStorage.setItem('tessera.issuer', given);
  return given ?? localStorage.getItem('tessera.issuer') ?? `${location.origin}/dev-idp`;
}

const redirectUri = (): string => `${location.origin}${APP_PATH}callback`;
// Plain http is allowed only for a loopback back office (a developer's machine, the tests).
const insecure = (): boolean => location.hostname === 'localhost' || location.hostname === '127.0.0.1';
const opts = () => ({ [oauth.allowInsecureRequests]: insecure() });
const client: oauth.Client = { client_id: CLIENT_ID };

async function discover(): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(issuerUrl());
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...opts() }));
}

/** Starts sign-in: PKCE verifier and state kept in sessionStorage, then the browser goes to the provider. */
export async function signIn(): Promise<void> {
  const as = await discover();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem('tessera.pkce', JSON.stringify({ verifier, state }));
  const url = new URL(as.authorization_endpoint as string);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: 'openid',
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/** Finishes sign-in on /wallet/callback: exchanges the code for tokens and stores the session. */
export async function completeSignIn(db: WalletDb): Promise<void> {
  const saved = JSON.parse(sessionStorage.getItem('tessera.pkce') ?? 'null') as { verifier: string; state: string } | null;
  if (!saved) throw new TesseraError('API_UNAUTHORIZED', 'sign-in was not started from this wallet');
  sessionStorage.removeItem('tessera.pkce');
  const as = await discover();
  const params = oauth.validateAuthResponse(as, client, new URL(location.href), saved.state);
  const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), saved.verifier, opts());
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
  await store.putSession(db, { accessToken: tokens.access_token, expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000, api: apiBase() });
  history.replaceState(null, '', APP_PATH);
}

async function call<T>(db: WalletDb, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const s = await store.getSession(db);
  if (!s || s.expiresAt < Date.now()) throw new TesseraError('API_UNAUTHORIZED', 'sign in again to go online');
  const res = await fetch(`${s.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.accessToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json().catch(() => ({}))) as T & { error?: { code?: string; message?: string } };
  if (!res.ok) throw new TesseraError(res.status === 401 || res.status === 403 ? 'API_UNAUTHORIZED' : 'API_BAD_REQUEST', json.error?.message ?? `${method} ${path}: HTTP ${res.status}`);
  return json;
}

/** The purse file (tessera-purse/1) in the wallet API's answer `{ purse, file, replayed }`. */
function purseFileOf(r: { file?: unknown }): string {
  if (!r.file || typeof r.file !== 'object') throw new TesseraError('API_BAD_REQUEST', 'the wallet API answered without a purse file');
  return JSON.stringify(r.file);
}

/** Onboarding: proves the key by signing the server's challenge (under the key-proof context, never a payment's form), and returns the new purse file. */
export async function requestPurse(db: WalletDb, publicKey: string, sign: (m: Uint8Array) => Promise<Uint8Array>, cap: number): Promise<string> {
  const { challenge } = await call<{ challenge: string }>(db, 'POST', '/v1/wallet/challenge', {});
  const signature = toHex(await sign(walletProofMessage(utf8(challenge))));
  // One Idempotency-Key per purse asked for: a retried request never reserves twice.
  return purseFileOf(await call<{ file?: unknown }>(db, 'POST', '/v1/wallet/purses', { publicKey, challenge, signature, cap }, { 'idempotency-key': crypto.randomUUID() }));
}

export async function refreshPurse(db: WalletDb, purseId: string): Promise<string> {
  return purseFileOf(await call<{ file?: unknown }>(db, 'POST', `/v1/wallet/purses/${purseId}/refresh`, {}, { 'idempotency-key': crypto.randomUUID() }));
}

/**
 * Hands a purse back to the issuer: it stops paying here first, then the back office denies it and
 * returns what it did not spend to the account. `lastSeq` (the last payment this wallet signed with it)
 * lets the back office refuse while one of them is not settled yet; the purse then pays again.
 */
export async function returnPurse(db: WalletDb, purseId: string): Promise<{ returned: number; currency: string }> {
  const before = await store.setPurseState(db, purseId, 'closed');
  if (!before) throw new TesseraError('NOT_FOUND', `no purse ${purseId} in this wallet`);
  try {
    const r = await call<{ purse: { state: string; spent: number; currency: string }; returned: number }>(db, 'POST', `/v1/wallet/purses/${purseId}/return`, { lastSeq: before.seq }, { 'idempotency-key': crypto.randomUUID() });
    await store.updatePurseState(db, purseId, { state: stateOf(r.purse.state), settled: r.purse.spent, checkedAt: Date.now() });
    return { returned: r.returned, currency: r.purse.currency };
  } catch (e) {
    await store.setPurseState(db, purseId, before.state);
    throw e;
  }
}

export async function accountBalance(db: WalletDb): Promise<{ amount: number; currency: string } | undefined> {
  const me = await call<{ accountId?: string }>(db, 'GET', '/v1/me');
  if (!me.accountId) return undefined;
  const a = await call<{ balance: number; currency: string }>(db, 'GET', `/v1/accounts/${encodeURIComponent(me.accountId)}`);
  return { amount: a.balance, currency: a.currency };
}

function stateOf(s: unknown): PurseState {
  return s === 'denied' || s === 'closed' || s === 'expired' ? s : 'active';
}

/**
 * Online reconciliation: each purse's state (denied, closed…) and the payments the back office
 * settled. Runs on every open and from background sync; offline it simply fails and changes nothing.
 */
export async function reconcile(db: WalletDb): Promise<{ settled: number }> {
  let settledCount = 0;
  for (const p of await store.listPurses(db)) {
    const purse = await call<{ state?: string }>(db, 'GET', `/v1/wallet/purses/${p.purseId}`);
    let settled = 0;
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
      const page: { items: { txId: string; amount: number }[]; nextCursor: string | null } = await call(db, 'GET', `/v1/wallet/purses/${p.purseId}/payments${q}`);
      for (const it of page.items) {
        const amount = it.amount;
        settled += amount;
        const mine = await store.getPayment(db, it.txId);
        if (mine && mine.settled === undefined) {
          await store.patchPayment(db, it.txId, { settled: amount });
          settledCount++;
        }
      }
      cursor = page.nextCursor;
    } while (cursor);
    await store.updatePurseState(db, p.purseId, { state: stateOf(purse.state), settled, checkedAt: Date.now() });
  }
  return { settled: settledCount };
}
