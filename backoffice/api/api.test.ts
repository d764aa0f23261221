// The API server's conventions on real requests: error shape, request ids, validation, paging, ETags, ownership, idempotent funding, CORS.
import t from 'tap';
import { startTestApi } from './testkit/index.js';

interface Err {
  error: { code: string; message: string; requestId: string };
}
interface Acct {
  id: string;
  balance: number;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

t.test('accounts through the API with operator and customer tokens', async (t) => {
  const api = await startTestApi({ corsOrigins: ['https://dash.example'] });
  t.teardown(() => api.close());
  const op = await api.token({ roles: ['operator'] });
  const ana = await api.token({ roles: ['customer'], accountId: 'acct-ana' });

  const created = await api.call<Acct>('POST', '/v1/accounts', { token: op, body: { id: 'acct-ana', name: 'Ana' } });
  t.equal(created.status, 201);
  t.match(created.body, { id: 'acct-ana', kind: 'customer', balance: 0, currency: 'EUR' });
  const dup = await api.call<Err>('POST', '/v1/accounts', { token: op, body: { id: 'acct-ana' } });
  t.equal(dup.status, 409);
  t.equal(dup.body.error.code, 'ALREADY_EXISTS');
  t.equal(dup.body.error.requestId, dup.headers.get('x-request-id'), 'the body names the request id the header carries');

  const bad = await api.call<Err>('POST', '/v1/accounts', { token: op, body: { id: 'bad id!', extra: 1 } });
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'API_BAD_REQUEST');
  t.match(bad.body.error.message, /id/);

  const traced = await api.call('GET', '/v1/accounts/acct-ana', { token: ana, headers: { 'x-request-id': 'trace-123' } });
  t.equal(traced.headers.get('x-request-id'), 'trace-123', 'a sane caller request id is kept');

  // Funding: the Idempotency-Key is required and a retry credits once.
  const noKey = await api.call<Err>('POST', '/v1/accounts/acct-ana/fund', { token: op, body: { amount: 500 } });
  t.equal(noKey.status, 400);
  const key = { 'idempotency-key': 'fund-ana-0001' };
  const f1 = await api.call<Acct>('POST', '/v1/accounts/acct-ana/fund', { token: op, body: { amount: 500 }, headers: key });
  const f2 = await api.call<Acct>('POST', '/v1/accounts/acct-ana/fund', { token: op, body: { amount: 500 }, headers: key });
  t.equal(f1.status, 200);
  t.equal(f2.body.balance, 500, 'the retry with the same key credited nothing more');
  const other = await api.call<Err>('POST', '/v1/accounts/acct-ana/fund', { token: op, body: { amount: 700 }, headers: key });
  t.equal(other.status, 409, 'the same key with another amount is refused');
  t.equal((await api.bo.account('acct-ana')).balance, 500);
  const float = await api.call<Err>('POST', '/v1/accounts/acct-ana/fund', { token: op, body: { amount: 1.5 }, headers: { 'idempotency-key': 'fund-ana-0002' } });
  t.equal(float.status, 400, 'amounts are integer minor units');

  // The customer sees their own account (with an ETag), not another one.
  const mine = await api.call<Acct>('GET', '/v1/accounts/acct-ana', { token: ana });
  t.equal(mine.body.balance, 500);
  const etag = mine.headers.get('etag');
  t.ok(etag);
  const again = await api.call('GET', '/v1/accounts/acct-ana', { token: ana, headers: { 'if-none-match': etag as string } });
  t.equal(again.status, 304);
  await api.bo.createAccount('acct-ben');
  const theirs = await api.call<Err>('GET', '/v1/accounts/acct-ben', { token: ana });
  t.equal(theirs.status, 403);
  t.equal(theirs.body.error.code, 'API_FORBIDDEN');
  const list = await api.call<Err>('GET', '/v1/accounts', { token: ana });
  t.equal(list.status, 403, 'listing every account is for operators');

  // Paging: pages follow each other without gaps or repeats.
  for (let i = 0; i < 7; i++) await api.bo.createAccount(`acct-p${i}`);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `&cursor=${cursor}` : '';
    const page: { status: number; body: Page<Acct> } = await api.call<Page<Acct>>('GET', `/v1/accounts?kind=customer&limit=3${q}`, { token: op });
    t.equal(page.status, 200);
    t.ok(page.body.items.length <= 3);
    seen.push(...page.body.items.map((a) => a.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  t.same(seen, [...seen].sort(), 'in id order');
  t.same(new Set(seen), new Set(['acct-ana', 'acct-ben', ...Array.from({ length: 7 }, (_, i) => `acct-p${i}`)]), 'every customer account once');
  t.equal((await api.call<Err>('GET', '/v1/accounts?limit=501', { token: op })).status, 400, 'limit is bounded');
  t.equal((await api.call<Err>('GET', '/v1/accounts?cursor=garbage', { token: op })).body.error.code, 'API_BAD_REQUEST');

  // Unknown routes and oversized bodies get the same error shape.
  const none = await api.call<Err>('GET', '/v1/nothing', { token: op });
  t.equal(none.status, 404);
  t.equal(none.body.error.code, 'NOT_FOUND');
  const huge = await api.call<Err>('POST', '/v1/accounts', { token: op, body: { id: 'x', name: 'n'.repeat(70_000) } });
  t.equal(huge.status, 413);
  t.equal(huge.body.error.code, 'API_TOO_LARGE');

  // CORS: the configured origin only.
  const pre = (origin: string) => api.call('OPTIONS', '/v1/me', { headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
  t.equal((await pre('https://dash.example')).headers.get('access-control-allow-origin'), 'https://dash.example');
  t.equal((await pre('https://evil.example')).headers.get('access-control-allow-origin'), null);
});

t.test('public routes answer without a token; the OpenAPI document is 3.1 and lists the protected routes with their rule', async (t) => {
  const api = await startTestApi();
  t.teardown(() => api.close());
  t.same((await api.call('GET', '/healthz')).body, { status: 'ok' });
  t.match((await api.call('GET', '/readyz')).body, { ready: true, checks: { ledger: { ok: true }, identityProvider: { ok: true } } });
  const doc = await api.call<{ openapi: string; paths: Record<string, Record<string, { security?: unknown; 'x-tessera-access'?: unknown }>> }>('GET', '/v1/openapi.json');
  t.equal(doc.status, 200);
  t.equal(doc.body.openapi, '3.1.0');
  t.match(doc.body.paths['/v1/accounts/{accountId}']?.get, { security: [{ bearer: [] }], 'x-tessera-access': { roles: ['operator', 'customer'], owner: 'account' } });
  t.notOk(doc.body.paths['/v1/openapi.json'], 'the document does not list itself');
});

t.test('the server refuses to start without an issuer, and warns about plain HTTP off loopback', async (t) => {
  const { ApiServer } = await import('./server.js');
  const { BackOffice } = await import('../backoffice.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { pino } = await import('pino');
  const home = mkdtempSync(join(tmpdir(), 'tessera-api-warn-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const bo = await BackOffice.init(home, {});
  t.teardown(() => bo.close());
  await t.rejects(new ApiServer({ backOffice: bo, host: '127.0.0.1', port: 0 }).start(), { code: 'USAGE' });
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) });
  const s = new ApiServer({ backOffice: bo, host: '0.0.0.0', port: 0, issuer: 'http://127.0.0.1:9/none', logger });
  const { url } = await s.start();
  // Its issuer cannot be reached: not ready, and tokens cannot be checked (503, not a 401 blaming the client).
  const ready = await fetch(`${url}/readyz`);
  t.equal(ready.status, 503);
  t.match(await ready.json(), { ready: false, checks: { ledger: { ok: true }, identityProvider: { ok: false } } });
  const me = await fetch(`${url}/v1/me`, { headers: { authorization: 'Bearer a.b.c' } });
  t.equal(me.status, 503);
  t.match(await me.json(), { error: { code: 'API_IDP_UNREACHABLE' } });
  await s.stop();
  t.ok(lines.some((l) => /PLAIN HTTP on a non-loopback address/.test(l)), 'the warning is logged');
});
