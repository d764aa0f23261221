import t from 'tap';
import { createTerminalWorld, rawRequest as raw } from '../daemon/testing.js';
import { ROUTES } from './routes.js';
import { RouteTable } from './http.js';

t.test('route table: 404 for unknown paths, 405 with Allow for known paths, templates honour their parameter patterns', async (t) => {
  const table = new RouteTable(ROUTES);
  t.equal(table.match('GET', '/v1/nothing'), undefined);
  t.same(table.match('DELETE', '/v1/payments'), { allow: ['POST'] });
  t.match(table.match('GET', '/v1/payments/current'), { route: { path: '/v1/payments/current' } }, 'a literal path wins over the template');
  t.match(table.match('GET', `/v1/payments/${'a'.repeat(32)}`), { route: { path: '/v1/payments/{id}' }, params: { id: 'a'.repeat(32) } });
  t.equal(table.match('GET', '/v1/payments/not-an-id'), undefined, 'a segment that fails its pattern is not that route');
  t.match(table.match('GET', '/v1/transactions/export'), { route: { path: '/v1/transactions/export' } });
  t.throws(() => new RouteTable([...ROUTES, ROUTES[0]!]), /declared twice/);
});

t.test('HTTP conventions on a running daemon: 405 + Allow, unknown fields and query parameters refused, Location on 201, OpenAPI document', async (t) => {
  const tw = await createTerminalWorld();
  t.teardown(() => tw.cleanup());
  const d = tw.daemon();
  await d.start();
  t.teardown(() => d.stop());
  const sock = tw.config.api.socket;

  const wrong = await raw(sock, 'GET', '/v1/reprint');
  t.equal(wrong.status, 405);
  t.equal(wrong.headers.allow, 'POST');
  t.match(wrong.json, { error: { code: 'API_BAD_REQUEST', message: /GET is not allowed on \/v1\/reprint/ } });
  t.equal((await raw(sock, 'PUT', '/v1/status')).headers.allow, 'GET');
  t.equal((await raw(sock, 'GET', '/v1/nope')).status, 404);

  const extra = await raw(sock, 'POST', '/v1/payments', JSON.stringify({ amount: 450, currency: 'EUR', referance: 'typo' }));
  t.equal(extra.status, 400);
  t.match(extra.json.error?.message, /unknown field "referance"/);
  const badType = await raw(sock, 'POST', '/v1/payments', JSON.stringify({ amount: '4.50' }));
  t.equal(badType.status, 400);
  t.match(badType.json.error?.message, /amount/);
  t.match((await raw(sock, 'POST', '/v1/payments/current/cancel', '{"why":"x"}')).json.error?.message, /unknown field "why"/, 'a route without a body takes no fields');

  const q = await raw(sock, 'GET', '/v1/transactions?referenc=ECR-1');
  t.equal(q.status, 400);
  t.match(q.json.error?.message, /unknown query parameter "referenc"/);
  t.match((await raw(sock, 'GET', '/v1/status?verbose=1')).json.error?.message, /unknown query parameter "verbose"/);
  t.match((await raw(sock, 'GET', '/v1/transactions?limit=0')).json.error?.message, /limit: must be at least 1/);
  t.match((await raw(sock, 'GET', '/v1/transactions?limit=5&limit=6')).json.error?.message, /given more than once/);

  const created = await raw(sock, 'POST', '/v1/payments', JSON.stringify({ amount: 450, reference: 'ECR-1' }));
  t.equal(created.status, 201);
  t.equal(created.headers.location, `/v1/payments/${created.json.id as string}`);
  const followed = await raw(sock, 'GET', created.headers.location as string);
  t.match(followed, { status: 200, json: { id: created.json.id, status: 'pending' } }, 'the Location answers');

  const doc = await raw(sock, 'GET', '/v1/openapi.json');
  t.equal(doc.status, 200);
  const api = doc.json as unknown as { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, { summary: string; parameters?: { name: string; in: string; schema: object }[]; requestBody?: { content: { 'application/json': { schema: { type: string; properties?: Record<string, unknown>; additionalProperties?: boolean } } } } }>> };
  t.match(api.openapi, /^3\.1\.\d+$/);
  t.ok(api.info.title && api.info.version);
  for (const r of ROUTES) {
    const op = api.paths[r.path]?.[r.method.toLowerCase()];
    t.ok(op, `${r.method} ${r.path} is documented`);
    t.equal(op?.summary, r.summary);
    if (r.method !== 'GET') t.equal(op?.requestBody?.content['application/json'].schema.additionalProperties, false, `${r.method} ${r.path}: its body refuses unknown fields`);
    for (const name of Object.keys(r.query?.shape ?? {})) t.ok(op?.parameters?.some((p) => p.name === name && p.in === 'query'), `${r.path} documents ?${name}`);
    for (const name of Object.keys(r.params ?? {})) t.ok(op?.parameters?.some((p) => p.name === name && p.in === 'path'), `${r.path} documents {${name}}`);
  }
  t.match(api.paths['/v1/payments']?.post?.requestBody?.content['application/json'].schema, { type: 'object', properties: { amount: { type: 'integer' }, reference: { type: 'string' } } });
  t.match(api.paths['/v1/payments']?.post, { requestBody: { required: true }, responses: { 201: { headers: { Location: {} } } } }, 'amount is required; the 201 documents Location');
  t.match(api.paths['/v1/reprint']?.post, { requestBody: { required: false } });
  t.match(api.paths['/v1/transactions']?.get?.parameters, [{ name: 'limit', in: 'query', schema: { type: 'string', pattern: String } }]);
});
