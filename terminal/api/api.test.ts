import t from 'tap';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTerminalWorld } from '../daemon/testing.js';
import { ApiClient, type SseEvent } from './client.js';
import type { PaymentState } from '../checkout/types.js';
import type { TransactionJson } from './transactions.js';

const TOKEN = 'register-token-0123456789';

t.test('control API over the unix socket (with SSE) and over TCP with a bearer token', async (t) => {
  const tw = await createTerminalWorld({ config: { api: { tcp: { host: '127.0.0.1', port: 0, tokenFile: '/nonexistent' } } } });
  t.teardown(() => tw.cleanup());
  const tokenFile = join(tw.dir, 'etc', 'api.token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  tw.config.api.tcp!.tokenFile = tokenFile;
  const d = tw.daemon();
  await d.start();
  t.teardown(() => d.stop());
  const socket = tw.config.api.socket;
  t.equal(statSync(socket).mode & 0o777, 0o660, 'socket mode 0660');
  const api = new ApiClient({ socketPath: socket }, 10_000);

  const status = await api.call<{ terminalId: string; mode: string; ready: boolean }>('GET', '/v1/status');
  t.match(status, { terminalId: 'T-0001', mode: 'merchant', ready: true });

  // SSE: subscribe, then drive a payment end to end.
  const events: SseEvent[] = [];
  const ac = new AbortController();
  const sse = api.events((e) => {
    events.push(e);
    return e.event === 'payment' && (e.data as PaymentState).receipt?.status === 'printed';
  }, ac.signal);
  const guard = setTimeout(() => ac.abort(), 10_000);
  t.teardown(() => clearTimeout(guard));

  const p = await api.call<PaymentState>('POST', '/v1/payments', { amount: 1250, currency: 'EUR', reference: 'ECR-7' });
  t.match(p, { status: 'pending', amount: 1250, reference: 'ECR-7' });
  await t.rejects(api.call('POST', '/v1/payments', { amount: 1 }), { code: 'PAYMENT_BUSY', details: { status: 409 } });
  await t.rejects(api.call('POST', '/v1/payments', { amount: 1.5 }), { code: 'API_BAD_REQUEST' });
  t.match(await api.call('GET', '/v1/payments/current'), { id: p.id });
  const purse = await tw.world.purse();
  const dec = await tw.scan(d, await tw.merchantPayment(d, purse));
  t.equal(dec.outcome, 'approved');
  await sse;
  t.equal(ac.signal.aborted, false, 'the stream delivered the receipt event before the guard');
  t.equal(events[0]?.event, 'status', 'the stream opens with the status');
  t.ok(events.some((e) => e.event === 'decision' && (e.data as { outcome: string }).outcome === 'approved'));
  t.ok(events.some((e) => e.event === 'payment' && (e.data as PaymentState).status === 'approved'));
  t.match(await api.call('GET', `/v1/payments/${p.id}`), { status: 'approved', txId: dec.txId });
  await t.rejects(api.call('GET', '/v1/payments/current'), { code: 'PAYMENT_NOT_FOUND' });
  await t.rejects(api.call('POST', `/v1/payments/${p.id}/cancel`), { code: 'PAYMENT_STATE' });

  const list = await api.call<{ head: number; transactions: TransactionJson[] }>('GET', '/v1/transactions');
  t.match(list, { head: 1, transactions: [{ index: 1, decision: 'approved', amount: 1250, currency: 'EUR', reference: 'ECR-7', txId: dec.txId }] });
  t.match(await api.call('GET', `/v1/transactions/${dec.txId}`), { index: 1 });
  t.match(await api.call('GET', '/v1/transactions/1'), { txId: dec.txId });
  await t.rejects(api.call('GET', '/v1/transactions/99'), { code: 'PAYMENT_NOT_FOUND' });
  let csv = '';
  await api.stream('/v1/transactions/export?format=csv', (c) => (csv += c.toString()));
  t.match(csv, /^index,time,txId,decision,reason,amount,currency,purseId,seq,reference,latencyMs,kind,originalTxId\n1,.*,approved,,1250,EUR,/);
  let jsonl = '';
  await api.stream('/v1/transactions/export?format=jsonl', (c) => (jsonl += c.toString()));
  t.match(JSON.parse(jsonl.trim()) as object, { index: 1, txId: dec.txId });
  await t.rejects(api.stream('/v1/transactions/export?format=xml', () => undefined), { code: 'API_BAD_REQUEST' });
  t.match(await api.call('POST', '/v1/reprint', {}), { txId: dec.txId, receipt: { status: 'printed' } });
  const fares = await tw.fareConfig(1);
  t.match(await api.call('POST', '/v1/fleet', { text: fares }), { ok: true, kind: 'config', version: 1 }, 'a signed config applied through the API');
  t.match(await api.call('POST', '/v1/fleet', { text: fares }), { ok: false, reason: 'ROLLBACK' }, 'the same version again is refused');
  await t.rejects(api.call('POST', '/v1/scan', { code: 'x' }), { code: 'API_BAD_REQUEST', details: { status: 403 } }, 'scan injection is off by default');
  await t.rejects(api.call('GET', '/v1/nothing'), { code: 'API_BAD_REQUEST', details: { status: 404 } });

  // TCP: the same API, only with the token.
  const port = d.api!.tcpPort!;
  await t.rejects(new ApiClient({ host: '127.0.0.1', port, token: 'wrong-token-wrong-token' }).call('GET', '/v1/status'), { code: 'API_UNAUTHORIZED' });
  const ecr = new ApiClient({ host: '127.0.0.1', port, token: TOKEN });
  t.match(await ecr.call('GET', '/v1/status'), { terminalId: 'T-0001' });
  const p2 = await ecr.call<PaymentState>('POST', '/v1/payments', { amount: 99 });
  t.match(await ecr.call('POST', '/v1/payments/current/cancel'), { id: p2.id, status: 'cancelled' });

  await d.stop();
  await t.rejects(api.call('GET', '/v1/status'), { code: 'DAEMON_UNREACHABLE' });
});

t.test('a second daemon on the same socket is refused', async (t) => {
  const tw = await createTerminalWorld();
  t.teardown(() => tw.cleanup());
  const d = tw.daemon();
  await d.start();
  t.teardown(() => d.stop());
  const other = await createTerminalWorld({ seed: 'second', config: { api: { socket: tw.config.api.socket } } });
  t.teardown(() => other.cleanup());
  await t.rejects(other.daemon().start(), { code: 'CONFIG_INVALID', message: /another daemon/ });
});
