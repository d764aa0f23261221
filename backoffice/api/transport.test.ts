// Transport-level behaviour: TLS when configured, rate limits in the one error shape, and logs that carry request ids but never tokens.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startTestApi } from './testkit/index.js';

t.test('serves HTTPS with the configured certificate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-api-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const api = await startTestApi({ tls: { cert: readFileSync(cert), key: readFileSync(key) } });
  t.teardown(() => api.close());
  t.match(api.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(`${api.url}/healthz`, { ca: readFileSync(cert) }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
  t.same(JSON.parse(body), { status: 'ok' });
  await t.rejects(fetch(`${api.url.replace('https:', 'http:')}/healthz`), 'no plain HTTP on the TLS port');
});

t.test('rate limit: past the allowance, 429 in the error shape with Retry-After', async (t) => {
  const api = await startTestApi({ rateLimit: 3 });
  t.teardown(() => api.close());
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await api.call<{ error?: { code: string; requestId: string } }>('GET', '/healthz'));
  t.same(answers.slice(0, 3).map((a) => a.status), [200, 200, 200]);
  const last = answers[3];
  t.equal(last?.status, 429);
  t.equal(last?.body.error?.code, 'API_RATE_LIMITED');
  t.ok(last?.headers.get('retry-after'), 'says when to retry');
});

t.test('logs carry request ids and never the bearer token', async (t) => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  const api = await startTestApi({ logger });
  t.teardown(() => api.close());
  const token = await api.token({ roles: ['operator'] });
  await api.call('GET', '/v1/me', { token, headers: { 'x-request-id': 'log-check-1' } });
  await api.call('GET', '/v1/accounts/nobody', { token });
  const all = lines.join('');
  t.match(all, /"reqId":"log-check-1"/, 'the request id is in the log lines');
  t.notOk(all.includes(token), 'the token is nowhere in the logs');
  t.notOk(all.includes(token.split('.')[2] ?? 'x'), 'not even its signature');
  // An OIDC callback's query (authorization code, state) is not logged either.
  await api.call('GET', '/dashboard/callback?code=SECRET-CODE-123&state=s1');
  t.notOk(lines.join('').includes('SECRET-CODE-123'), 'no authorization code in the logs');
  t.match(lines.join(''), /\/dashboard\/callback\?\[redacted\]/, 'the callback is logged without its query');
});
