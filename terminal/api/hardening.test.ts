import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseConfig } from '../config.js';
import { createTerminalWorld, type TerminalWorld } from '../daemon/testing.js';
import type { TerminalConfigInput } from '../config.js';
import { ApiClient } from './client.js';

const TOKEN = 'register-token-0123456789';

async function world(t: Test, api: TerminalConfigInput['api'] = {}, tokenMode = 0o600): Promise<{ tw: TerminalWorld; d: ReturnType<TerminalWorld['daemon']> }> {
  const tw = await createTerminalWorld({ config: { api: { tcp: { host: '127.0.0.1', port: 0, tokenFile: '/nonexistent' }, ...api } } });
  t.teardown(() => tw.cleanup());
  const tokenFile = join(tw.dir, 'etc', 'api.token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: tokenMode });
  tw.config.api.tcp!.tokenFile = tokenFile;
  const d = tw.daemon();
  await d.start();
  t.teardown(() => d.stop());
  return { tw, d };
}

/** Connects a raw socket and resolves once connected. */
function rawSocket(o: { port: number } | { path: string }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = 'port' in o ? connect(o.port, '127.0.0.1') : connect(o.path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Sends request headers announcing `total` bytes, then writes the body with backpressure until the
 * server closes the connection or everything is written. Resolves with the bytes written and the answer's status line.
 */
async function pushBody(s: Socket, head: string, total: number): Promise<{ written: number; answer: string }> {
  let answer = '';
  s.on('data', (c: Buffer) => (answer += c.toString('latin1')));
  let closed = false;
  const closedP = new Promise<void>((resolve) => s.once('close', () => ((closed = true), resolve())));
  s.on('error', () => undefined); // EPIPE/ECONNRESET: the server hung up, which is the point
  s.write(`${head}Content-Length: ${total}\r\n\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 0x7b);
  let written = 0;
  while (!closed && written < total) {
    written += chunk.length;
    if (!s.write(chunk)) await Promise.race([new Promise((r) => s.once('drain', r)), closedP]);
  }
  s.end();
  await closedP;
  return { written, answer };
}

t.test('an unauthenticated request is answered 401 and closed without its body being read', async (t) => {
  const { d } = await world(t);
  const total = 200 * 2 ** 20;
  const s = await rawSocket({ port: d.api!.tcpPort! });
  const r = await pushBody(s, 'POST /v1/payments HTTP/1.1\r\nHost: till\r\nContent-Type: application/json\r\n', total);
  t.match(r.answer, /^HTTP\/1\.1 401 /, 'refused with 401');
  t.match(r.answer, /API_UNAUTHORIZED/);
  t.ok(r.written < 32 * 2 ** 20, `the server hung up after ${(r.written / 2 ** 20).toFixed(1)} MB of the 200 MB body (socket buffers only)`);
});

t.test('a body announced larger than 64 KiB is refused (413) without being read, on the unix socket too', async (t) => {
  const { tw } = await world(t);
  const s = await rawSocket({ path: tw.config.api.socket });
  const r = await pushBody(s, 'POST /v1/payments HTTP/1.1\r\nHost: till\r\n', 100 * 2 ** 20);
  t.match(r.answer, /^HTTP\/1\.1 413 /);
  t.ok(r.written < 32 * 2 ** 20, `hung up after ${(r.written / 2 ** 20).toFixed(1)} MB`);
});

t.test('connections are capped and slow half-open ones are closed by the header timeout', async (t) => {
  const { tw, d } = await world(t, { maxConnections: 8, headersTimeoutMs: 300 });
  const port = d.api!.tcpPort!;
  const sockets: Socket[] = [];
  const closedByServer: Promise<void>[] = [];
  for (let i = 0; i < 60; i++) {
    const s = await rawSocket({ port });
    s.on('error', () => undefined);
    s.resume(); // read what the server sends (a 408), so its close is seen
    closedByServer.push(new Promise((resolve) => s.once('close', () => resolve())));
    // Half of them trickle a header line and never finish it (slowloris); the rest send nothing.
    if (i % 2 === 0) s.write('GET /v1/status HTTP/1.1\r\nX-Slow: ');
    sockets.push(s);
  }
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  const guard = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 20_000).unref());
  const all = Promise.all(closedByServer).then(() => 'closed');
  t.equal(await Promise.race([all, guard]), 'closed', 'the server closed all 60 connections itself');
  // The slots are free again: a register gets through.
  t.match(await new ApiClient({ host: '127.0.0.1', port, token: TOKEN }).call('GET', '/v1/status'), { terminalId: 'T-0001' });
  t.match(await new ApiClient({ socketPath: tw.config.api.socket }).call('GET', '/v1/status'), { ready: true });
});

t.test('an idle keep-alive connection is closed after api.keepAliveTimeoutMs', async (t) => {
  const { d } = await world(t, { keepAliveTimeoutMs: 200 });
  const s = await rawSocket({ port: d.api!.tcpPort! });
  let answer = '';
  s.on('data', (c: Buffer) => (answer += c.toString('latin1')));
  const closed = new Promise<string>((resolve) => s.once('close', () => resolve('closed')));
  s.write(`GET /v1/status HTTP/1.1\r\nHost: till\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
  const guard = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 20_000).unref());
  t.equal(await Promise.race([closed, guard]), 'closed', 'the server closed the idle connection');
  t.match(answer, /^HTTP\/1\.1 200 [^]*connection: keep-alive/i, 'answered, and the connection kept alive at first');
});

t.test('a group- or world-readable token file is refused; the terminal runs on and status says why', async (t) => {
  const { tw, d } = await world(t, {}, 0o644);
  t.equal(d.api!.tcpPort, undefined, 'no TCP listener');
  const api = new ApiClient({ socketPath: tw.config.api.socket });
  const status = await api.call<{ ready: boolean; components: { api: { tcp: { state: string; error: { code: string; message: string } } } } }>('GET', '/v1/status');
  t.equal(status.ready, true, 'payments are still taken');
  t.match(status.components.api.tcp, { state: 'failed', error: { code: 'KEY_PERMISSIONS', message: /readable by group or others \(mode 0644\)/ } });
  t.match(await api.call('POST', '/v1/payments', { amount: 100 }), { status: 'pending' });
});

t.test('the TCP API listens on loopback unless told otherwise', async (t) => {
  t.equal(parseConfig({ api: { tcp: { port: 8080, tokenFile: '/etc/tessera/api.token' } } }).api.tcp?.host, '127.0.0.1');
});

t.test('the TCP API can be served over TLS', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cert = join(dir, 'api.crt');
  const key = join(dir, 'api.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=till', '-addext', 'subjectAltName=IP:127.0.0.1'], {
    stdio: 'ignore',
  });
  const { d } = await world(t, { tcp: { host: '127.0.0.1', port: 0, tokenFile: '/nonexistent', tls: { cert, key } } });
  const port = d.api!.tcpPort!;
  t.ok(port, 'listening');
  const ca = readFileSync(cert);
  const get = (token: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/v1/status', ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.once('error', reject);
      req.end();
    });
  const ok = await get(TOKEN);
  t.equal(ok.status, 200);
  t.match(JSON.parse(ok.body) as object, { terminalId: 'T-0001', components: { api: { tcp: { state: 'listening', tls: true } } } });
  t.equal((await get('wrong-token-wrong-token')).status, 401);
  await t.rejects(new ApiClient({ host: '127.0.0.1', port, token: TOKEN }, 5_000).call('GET', '/v1/status'), { code: 'DAEMON_UNREACHABLE' }, 'plain HTTP is not served on the TLS port');
});
