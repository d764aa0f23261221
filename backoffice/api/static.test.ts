// The dashboard and wallet builds are served at /dashboard/ and /wallet/, client-side routes fall back to index.html, a missing build says so.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi } from './testkit/index.js';

t.test('static web apps with the SPA fallback', async (t) => {
  const web = mkdtempSync(join(tmpdir(), 'tessera-web-'));
  t.teardown(() => rmSync(web, { recursive: true, force: true }));
  mkdirSync(join(web, 'dashboard/assets'), { recursive: true });
  writeFileSync(join(web, 'dashboard/index.html'), '<!doctype html><title>dashboard</title>');
  writeFileSync(join(web, 'dashboard/assets/app.js'), 'console.log("app");');
  const api = await startTestApi({ webRoot: web });
  t.teardown(() => api.close());

  const index = await api.call<string>('GET', '/dashboard/');
  t.equal(index.status, 200);
  t.match(index.body, /<title>dashboard<\/title>/);
  t.match(index.headers.get('content-type') ?? '', /text\/html/);
  const deep = await api.call<string>('GET', '/dashboard/fraud-cases/3');
  t.equal(deep.status, 200, 'a client-side route gets the app');
  t.match(deep.body, /<title>dashboard<\/title>/);
  const asset = await api.call<string>('GET', '/dashboard/assets/app.js');
  t.equal(asset.body, 'console.log("app");');
  const missing = await api.call<{ error: { code: string } }>('GET', '/dashboard/assets/missing.js');
  t.equal(missing.status, 404);
  t.equal(missing.body.error.code, 'NOT_FOUND');
  const bare = await api.call<string>('GET', '/dashboard');
  t.match(bare.body, /<title>dashboard<\/title>/, 'without the trailing slash too');
  const wallet = await api.call<{ error: { code: string; message: string } }>('GET', '/wallet/');
  t.equal(wallet.status, 404);
  t.match(wallet.body.error.message, /wallet is not built/);
});
