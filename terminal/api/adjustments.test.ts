// The control API's void and refund routes: 201 with Location, specific refusals with their HTTP status, unknown fields refused.
import t from 'tap';
import { createTerminalWorld, rawRequest as raw } from '../daemon/testing.js';
import { ApiClient } from './client.js';
import type { TransactionJson } from './transactions.js';

t.test('POST /v1/transactions/{txId}/refunds and /void', async (t) => {
  const tw = await createTerminalWorld();
  t.teardown(() => tw.cleanup());
  const d = tw.daemon();
  await d.start();
  t.teardown(() => d.stop());
  const socket = tw.config.api.socket;
  await d.checkout!.startPayment({ amount: 900 });
  const dec = await tw.scan(d, await tw.merchantPayment(d, await tw.world.purse()));
  const tx = dec.txId!;

  const r = await raw(socket, 'POST', `/v1/transactions/${tx}/refunds`, { amount: 400, reason: 'broken cup', reference: 'ECR-1' });
  t.equal(r.status, 201);
  t.equal(r.headers.location, `/v1/transactions/${r.json.txId as string}`, 'Location names the refund');
  t.match(r.json, { kind: 'refund', originalTxId: tx, amount: 400, remaining: 500, reference: 'ECR-1', reason: 'broken cup' });
  const shown = await new ApiClient({ socketPath: socket }).call<TransactionJson>('GET', r.headers.location!);
  t.match(shown, { kind: 'refund', originalTxId: tx, amount: 400, decision: 'approved' }, 'the Location answers');

  t.match(await raw(socket, 'POST', `/v1/transactions/${tx}/refunds`, { amount: 501 }), { status: 409, json: { error: { code: 'REFUND_EXCEEDS_PAYMENT' } } });
  t.match(await raw(socket, 'POST', `/v1/transactions/${tx}/void`, {}), { status: 409, json: { error: { code: 'ALREADY_REFUNDED' } } });
  t.match(await raw(socket, 'POST', `/v1/transactions/${'0'.repeat(64)}/void`, {}), { status: 404, json: { error: { code: 'PAYMENT_NOT_FOUND' } } });
  t.match(await raw(socket, 'POST', `/v1/transactions/${tx}/refunds`, { amount: 1, tip: 5 }), { status: 400, json: { error: { code: 'API_BAD_REQUEST', message: /unknown field "tip"/ } } });
  t.match(await raw(socket, 'POST', `/v1/transactions/${tx}/refunds`, {}), { status: 400, json: { error: { code: 'API_BAD_REQUEST' } } });
  t.match(await raw(socket, 'POST', `/v1/transactions/${tx}/refunds`, { amount: 1, currency: 'GBP' }), { status: 400, json: { error: { code: 'CURRENCY_MISMATCH' } } });

  await d.checkout!.startPayment({ amount: 300 });
  const second = await tw.scan(d, await tw.merchantPayment(d, await tw.world.purse({ seed: 'second' })));
  const v = await raw(socket, 'POST', `/v1/transactions/${second.txId!}/void`, { reason: 'customer changed mind' });
  t.match(v, { status: 201, json: { kind: 'void', amount: 300 } });
  t.match(await raw(socket, 'POST', `/v1/transactions/${second.txId!}/void`, {}), { status: 409, json: { error: { code: 'ALREADY_VOIDED' } } });
  const list = await new ApiClient({ socketPath: socket }).call<{ transactions: TransactionJson[] }>('GET', '/v1/transactions');
  t.same(list.transactions.map((x) => x.kind), ['void', 'payment', 'refund', 'payment']);
  t.match(await raw(socket, 'GET', `/v1/transactions/${tx}/refunds`), { status: 405 }, 'a wrong method is 405');
  const approved = await new ApiClient({ socketPath: socket }).call<{ transactions: TransactionJson[] }>('GET', '/v1/transactions?approved=true');
  t.same(approved.transactions.map((x) => x.kind), ['payment', 'payment'], 'approved=true: payments only');

  // The Z-report counts them as adjustments, taken off the day's net.
  const z = await new ApiClient({ socketPath: socket }).call<{ currencies: { currency: string; approved: { amount: number }; adjustments: Record<string, { count: number; amount: number }>; net: number }[] }>(
    'GET',
    `/v1/reports/z?date=${new Date(tw.clock.now()).toISOString().slice(0, 10)}`,
  );
  t.match(z.currencies, [{ currency: 'EUR', approved: { amount: 1200 }, adjustments: { void: { count: 1, amount: 300 }, refund: { count: 1, amount: 400 } }, net: 500 }]);
  const openapi = await new ApiClient({ socketPath: socket }).call<{ paths: Record<string, unknown> }>('GET', '/v1/openapi.json');
  t.ok(openapi.paths['/v1/transactions/{txId}/refunds'] && openapi.paths['/v1/transactions/{txId}/void'], 'both routes are in the OpenAPI document');
});

t.test('a retried void or refund under the same Idempotency-Key gets the first answer, also after a restart; another request under it is refused', async (t) => {
  const tw = await createTerminalWorld();
  t.teardown(() => tw.cleanup());
  let d = tw.daemon();
  await d.start();
  const socket = tw.config.api.socket;
  await d.checkout!.startPayment({ amount: 900 });
  const tx = (await tw.scan(d, await tw.merchantPayment(d, await tw.world.purse()))).txId!;
  const key = { 'idempotency-key': 'ECR-7-refund-1' };

  const first = await raw(socket, 'POST', `/v1/transactions/${tx}/refunds`, { amount: 400, reference: 'ECR-7' }, key);
  t.match(first, { status: 201, json: { amount: 400, remaining: 500 } });
  t.equal(first.headers['idempotent-replayed'], undefined);
  const again = await raw(socket, 'POST', `/v1/transactions/${tx}/refunds`, { amount: 400, reference: 'ECR-7' }, key);
  t.match(again, { status: 200, headers: { 'idempotent-replayed': 'true' }, json: { txId: first.json.txId, journalIndex: first.json.journalIndex, amount: 400, remaining: 500, replayed: true } }, 'the retry answers the first refund');
  t.equal((again.json.receipt as { status: string }).status, 'disabled', 'and prints nothing again');

  await d.stop();
  d = tw.daemon();
  await d.start();
  t.teardown(() => d.stop());
  const afterRestart = await raw(socket, 'POST', `/v1/transactions/${tx}/refunds`, { amount: 400, reference: 'ECR-7' }, key);
  t.match(afterRestart, { status: 200, json: { txId: first.json.txId } }, 'the journal remembers the key across a restart');
  t.match(await raw(socket, 'POST', `/v1/transactions/${tx}/refunds`, { amount: 300, reference: 'ECR-7' }, key), { status: 422, json: { error: { code: 'API_IDEMPOTENCY_MISMATCH' } } }, 'another amount under the key');
  t.match(await raw(socket, 'POST', `/v1/transactions/${tx}/void`, {}, key), { status: 422, json: { error: { code: 'API_IDEMPOTENCY_MISMATCH' } } }, 'a void under a refund key');
  t.match(await raw(socket, 'POST', `/v1/transactions/${tx}/refunds`, { amount: 1 }, { 'idempotency-key': 'bad key' }), { status: 400, json: { error: { code: 'API_BAD_REQUEST' } } });

  const list = await new ApiClient({ socketPath: socket }).call<{ transactions: TransactionJson[] }>('GET', '/v1/transactions');
  t.same(list.transactions.map((x) => x.kind), ['refund', 'payment'], 'one refund journalled for three tries');
  const openapi = await new ApiClient({ socketPath: socket }).call<{ paths: Record<string, { post: { parameters?: { name: string }[] } }> }>('GET', '/v1/openapi.json');
  t.ok(openapi.paths['/v1/transactions/{txId}/refunds']?.post.parameters?.some((p) => p.name === 'Idempotency-Key'), 'the key is documented');
});
