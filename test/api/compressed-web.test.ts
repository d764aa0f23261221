// The web apps go out pre-compressed: .br/.gz written at build time, chosen by Accept-Encoding, with Content-Encoding and Vary; no encoding gets the file itself.
import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startTestApi } from '../../backoffice/api/testkit/index.js';
import { compressWebRoot } from '../../scripts/compress-web.js';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with exactly the Accept-Encoding given (fetch would add its own and decode). */
function get(url: string, acceptEncoding?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}

const decode = (r: Raw): Buffer => (r.headers['content-encoding'] === 'br' ? brotliDecompressSync(r.body) : r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body);

t.test('a build compressed at build time is served by Accept-Encoding', async (t) => {
  const web = mkdtempSync(join(tmpdir(), 'tessera-web-br-'));
  t.teardown(() => rmSync(web, { recursive: true, force: true }));
  mkdirSync(join(web, 'wallet/assets'), { recursive: true });
  const html = `<!doctype html><title>wallet</title>${'<p>offline first</p>'.repeat(50)}`;
  const js = `export const app = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `screen-${i}`))};\n`;
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  writeFileSync(join(web, 'wallet/index.html'), html);
  writeFileSync(join(web, 'wallet/assets/app.js'), js);
  writeFileSync(join(web, 'wallet/icon.png'), png);
  writeFileSync(join(web, 'wallet/tiny.txt'), 'a');

  const done = compressWebRoot(join(web, 'wallet'));
  t.same(done.map((c) => c.file.slice(web.length)).sort(), ['/wallet/assets/app.js', '/wallet/index.html', '/wallet/tiny.txt'], 'text assets only (not the PNG)');
  t.ok(existsSync(join(web, 'wallet/assets/app.js.br')) && existsSync(join(web, 'wallet/assets/app.js.gz')));
  t.notOk(existsSync(join(web, 'wallet/tiny.txt.br')), 'no variant that would be larger than the file');
  t.notOk(existsSync(join(web, 'wallet/icon.png.gz')));

  const api = await startTestApi({ webRoot: web });
  t.teardown(() => api.close());
  const url = `${api.url}/wallet/assets/app.js`;

  const br = await get(url, 'gzip, deflate, br');
  t.equal(br.status, 200);
  t.equal(br.headers['content-encoding'], 'br', 'brotli when the client takes it');
  t.match(br.headers.vary ?? '', /accept-encoding/i);
  t.match(br.headers['content-type'] ?? '', /javascript/, 'the type of the file, not of the .br');
  t.ok(br.body.length < Buffer.byteLength(js) / 2, 'the compressed bytes on the wire');
  t.equal(decode(br).toString(), js);

  const gz = await get(url, 'gzip');
  t.equal(gz.headers['content-encoding'], 'gzip');
  t.match(gz.headers.vary ?? '', /accept-encoding/i);
  t.equal(decode(gz).toString(), js);

  const plain = await get(url);
  t.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: the file itself');
  t.match(plain.headers.vary ?? '', /accept-encoding/i, 'and says it varies (a shared cache must not hand it to a br client)');
  t.equal(plain.body.toString(), js);
  const identity = await get(url, 'identity');
  t.equal(identity.headers['content-encoding'], undefined);

  const index = await get(`${api.url}/wallet/`, 'br');
  t.equal(index.headers['content-encoding'], 'br', 'the app page too');
  t.equal(decode(index).toString(), html);
  const route = await get(`${api.url}/wallet/callback`, 'br');
  t.equal(route.status, 200, 'a client-side route falls back to the app');
  t.equal(decode(route).toString(), html, 'the app page, whatever the encoding chosen');
  t.equal((await get(`${api.url}/wallet/callback`)).body.toString(), html);
  const icon = await get(`${api.url}/wallet/icon.png`, 'br, gzip');
  t.equal(icon.headers['content-encoding'], undefined, 'an image goes as it is');
  t.same(icon.body, png);
  const missing = await get(`${api.url}/wallet/assets/missing.js`, 'br');
  t.equal(missing.status, 404, 'a missing asset is still a 404');
});

t.test('the built wallet and dashboard ship their .br and .gz (make build)', async (t) => {
  for (const app of ['wallet', 'dashboard']) {
    const dir = join(process.cwd(), 'dist/web', app);
    if (!existsSync(join(dir, 'index.html'))) {
      t.fail(`${dir} missing: run make build`);
      continue;
    }
    t.ok(existsSync(join(dir, 'index.html.br')) && existsSync(join(dir, 'index.html.gz')), `${app}: index.html.br and .gz`);
    t.same(brotliDecompressSync(readFileSync(join(dir, 'index.html.br'))), readFileSync(join(dir, 'index.html')), `${app}: the .br is the page`);
  }
});
