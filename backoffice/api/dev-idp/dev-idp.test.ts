// The embedded dev identity provider: seeded users sign in with code + PKCE and their access tokens work on the API; wrong passwords do not.
import t from 'tap';
import { decodeJwt } from 'jose';
import { callApi, devIdpLogin, startTestApi } from '../testkit/index.js';

t.test('seeded users sign in through /dev-idp and the API accepts their tokens', async (t) => {
  const api = await startTestApi({ issuer: undefined, devIdp: { password: 'dev-pass-1234' } });
  t.teardown(() => api.close());
  const base = api.url;

  const disco = await callApi<{ issuer: string; code_challenge_methods_supported: string[] }>(base, 'GET', '/dev-idp/.well-known/openid-configuration');
  t.equal(disco.body.issuer, `${base}/dev-idp`);
  t.same(disco.body.code_challenge_methods_supported, ['S256']);

  const expected = {
    operator: { roles: ['operator'], merchantId: null, accountId: null },
    merchant: { roles: ['merchant'], merchantId: 'M-LUMIERE', accountId: null },
    customer: { roles: ['customer'], merchantId: null, accountId: 'acct-ana' },
  } as const;
  for (const [username, who] of Object.entries(expected)) {
    const tokens = await devIdpLogin({ base, username, password: 'dev-pass-1234', client: username === 'customer' ? 'tessera-wallet' : 'tessera-dashboard' });
    const claims = decodeJwt(tokens.accessToken);
    t.equal(claims.aud, 'tessera-api', `${username}: the access token is for the API`);
    t.equal(claims.iss, `${base}/dev-idp`);
    const me = await callApi(base, 'GET', '/v1/me', { token: tokens.accessToken });
    t.equal(me.status, 200);
    t.same(me.body, { sub: username, ...who }, `${username}: /v1/me names the seeded user`);
  }

  await t.rejects(devIdpLogin({ base, username: 'operator', password: 'wrong-password' }), { code: 'API_UNAUTHORIZED', message: /HTTP 401/ }, 'a wrong password is refused');
  await t.rejects(devIdpLogin({ base, username: 'nobody', password: 'dev-pass-1234' }), { code: 'API_UNAUTHORIZED' }, 'an unknown user is refused');

  // A redirect URI that is not the app's own is refused before any sign-in.
  const rogue = await fetch(`${base}/dev-idp/auth?client_id=tessera-dashboard&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`, { redirect: 'manual' });
  t.equal(rogue.status, 400);
  // Without PKCE, a public client gets no code.
  const noPkce = await fetch(`${base}/dev-idp/auth?client_id=tessera-dashboard&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${base}/dashboard/callback`)}`, { redirect: 'manual' });
  t.match(noPkce.headers.get('location') ?? '', /error=invalid_request/);
});
