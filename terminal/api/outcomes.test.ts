import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { createTerminalWorld, rawRequest, type RawAnswer, type TerminalWorld } from '../daemon/testing.js';
import type { Decision, PaymentState } from '../checkout/types.js';
import type { Daemon } from '../daemon/daemon.js';
import { ApiClient, type SseEvent } from './client.js';
import { REPLAY_PAGE } from './events.js';

const CLI = join(process.cwd(), 'dist/terminal/cli/main.js');

/** A real `tessera daemon` child process on the world's config; resolves once its API answers. */
async function daemon(t: Test, tw: TerminalWorld): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'daemon', '--config', tw.configPath], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', TESSERA_LOG_LEVEL: 'error' } });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const api = new ApiClient({ socketPath: tw.config.api.socket }, 2_000);
  for (let i = 0; i < 400; i++) {
    if (await api.call('GET', '/v1/status').then(() => true, () => false)) return child;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`daemon did not come up: ${err}`);
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** POST /v1/payments with an Idempotency-Key; resolves with the HTTP status and the JSON answer. */
const post = (socketPath: string, key: string, body: unknown): Promise<RawAnswer> => rawRequest(socketPath, 'POST', '/v1/payments', body, { 'idempotency-key': key });

type Ev = SseEvent & { id?: string };

/** A stream opened with Last-Event-ID: `opened` once its first event (status) is in, `done` when `stop` says so (bounded by a guard). */
function eventsFrom(socketPath: string, lastId: string | undefined, stop: (events: Ev[]) => boolean): { opened: Promise<void>; done: Promise<Ev[]> } {
  const out: Ev[] = [];
  let opened!: () => void;
  const openedP = new Promise<void>((r) => (opened = r));
  const done = new Promise<Ev[]>((resolve, reject) => {
    const req = request({ socketPath, path: '/v1/events', headers: lastId !== undefined ? { 'last-event-id': lastId } : {} }, (res) => {
      let buf = '';
      const guard = setTimeout(() => (res.destroy(), resolve(out)), 10_000);
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
          if (f.event) out.push({ event: f.event, data: JSON.parse(f.data ?? 'null') as unknown, ...(f.id !== undefined ? { id: f.id } : {}) });
          opened();
          if (stop(out)) {
            clearTimeout(guard);
            res.destroy();
            return resolve(out);
          }
        }
      });
      res.on('end', () => (clearTimeout(guard), resolve(out)));
      res.on('error', () => undefined);
    });
    req.once('error', reject);
    req.end();
  });
  return { opened: openedP, done };
}

/** A started in-process daemon on a fresh world. */
async function inProcess(t: Test): Promise<{ tw: TerminalWorld; d: Daemon }> {
  const tw = await createTerminalWorld();
  t.teardown(() => tw.cleanup());
  const d = tw.daemon();
  await d.start();
  t.teardown(() => d.stop());
  return { tw, d };
}

/** A world for a child daemon (system time, scan injection on) and a payment code answering request `id`. */
async function childWorld(t: Test): Promise<{ tw: TerminalWorld; sock: string; api: ApiClient; pay: (id: string, amount: number, seq: number, cumulative: number) => Promise<string> }> {
  const now = Math.floor(Date.now() / 1000);
  const tw = await createTerminalWorld({ now, config: { api: { allowScanInjection: true } } });
  t.teardown(() => tw.cleanup());
  const purse = await tw.world.purse();
  const pay = async (id: string, amount: number, seq: number, cumulative: number): Promise<string> =>
    (await tw.world.payment(purse, { payee: tw.terminalId, amount, cumulative, seq, currency: 'EUR', time: Math.floor(Date.now() / 1000), requestNonce: Buffer.from(id, 'hex') })).text;
  return { tw, sock: tw.config.api.socket, api: new ApiClient({ socketPath: tw.config.api.socket }), pay };
}

t.test('a SIGKILLed daemon: the register learns the outcome from the journal, retries with its key, and resumes the event stream', { timeout: 120_000 }, async (t) => {
  const { tw, sock, api, pay } = await childWorld(t);
  const approved: { id: string; txId: string; idx: number; key: string }[] = [];

  let child = await daemon(t, tw);
  for (let i = 1; i <= 3; i++) {
    const key = `ecr-7/receipt-${i}`;
    const first = await post(sock, key, { amount: 100 * i, reference: `R-${i}` });
    t.equal(first.status, 201, `payment ${i} opened`);
    const p = first.json as unknown as PaymentState;
    const code = await pay(p.id, 100 * i, i, (100 * i * (i + 1)) / 2);
    const dec = await api.call<Decision>('POST', '/v1/scan', { code });
    t.equal(dec.outcome, 'approved');
    approved.push({ id: p.id, txId: dec.txId!, idx: dec.journalIndex!, key });
    // Killed the instant the approval is committed: nothing after the commit ran to completion for sure.
    await kill(child);
    child = await daemon(t, tw);
    const after = await api.call<PaymentState>('GET', `/v1/payments/${p.id}`);
    t.match(after, { id: p.id, status: 'approved', txId: dec.txId, journalIndex: dec.journalIndex, amount: 100 * i, reference: `R-${i}` }, `payment ${i}: approved, from the journal after the restart`);
    const again = await post(sock, key, { amount: 100 * i, reference: `R-${i}` });
    t.equal(again.status, 200, 'a retried POST with the same key starts nothing');
    t.match(again.json, { id: p.id, status: 'approved', txId: dec.txId });
  }
  const mismatch = await post(sock, 'ecr-7/receipt-2', { amount: 999, reference: 'R-2' });
  t.equal(mismatch.status, 422);
  t.match(mismatch.json, { error: { code: 'API_IDEMPOTENCY_MISMATCH', message: /different payment request/ } });
  t.equal(await api.call<{ payment: unknown }>('GET', '/v1/status').then((s) => s.payment), null, 'the refused retry opened nothing');

  // An open request interrupted by the kill is reported as such, and its key still finds it.
  const open = await post(sock, 'ecr-7/receipt-4', { amount: 50 });
  await kill(child);
  child = await daemon(t, tw);
  t.match(await api.call('GET', `/v1/payments/${String(open.json.id)}`), { status: 'interrupted', amount: 50 });
  t.match((await post(sock, 'ecr-7/receipt-4', { amount: 50 })).json, { id: open.json.id, status: 'interrupted' });

  // The stream resumes after the first approval: the later two are replayed with their journal ids and payment ids.
  const replay = await eventsFrom(sock, String(approved[0]!.idx), (ev) => ev.filter((e) => e.event === 'decision').length >= 2).done;
  const decisions = replay.filter((e) => e.event === 'decision');
  t.same(
    decisions.map((e) => e.id),
    approved.slice(1).map((a) => String(a.idx)),
    'ids are journal indexes',
  );
  t.match(
    decisions.map((e) => e.data),
    approved.slice(1).map((a) => ({ outcome: 'approved', txId: a.txId, journalIndex: a.idx, paymentId: a.id, replayed: true })),
  );
  await kill(child);
});

t.test('kill loop: SIGKILL at a random moment of each approval; every approval in the journal is one the register can see', { timeout: 120_000 }, async (t) => {
  const seed = Number(process.env.TESSERA_FAULT_SEED ?? Math.floor(Math.random() * 1000));
  t.comment(`seed ${seed} (replay with TESSERA_FAULT_SEED=${seed})`);
  const { tw, sock, api, pay } = await childWorld(t);
  let seq = 1;
  let cumulative = 0;
  const seen = new Map<string, string>();
  let child = await daemon(t, tw);
  for (let i = 0; i < 10; i++) {
    const key = `loop-${i}`;
    const p = (await post(sock, key, { amount: 25 })).json as unknown as PaymentState;
    const code = await pay(p.id, 25, seq, cumulative + 25);
    const scan = api.call('POST', '/v1/scan', { code }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, (seed * (i + 3) * 7919) % 40)); // somewhere before, during or after the commit
    await kill(child);
    await scan;
    child = await daemon(t, tw);
    const after = await api.call<PaymentState>('GET', `/v1/payments/${p.id}`);
    t.ok(after.status === 'approved' || after.status === 'interrupted', `payment ${i}: ${after.status}`);
    t.match((await post(sock, key, { amount: 25 })).json, { id: p.id, status: after.status }, 'the retry finds it, as it is');
    seen.set(p.id, after.status);
    if (after.status === 'approved') {
      seq++;
      cumulative += 25;
    }
  }
  const { head } = await api.call<{ head: number }>('GET', '/v1/transactions');
  const journaled = (await eventsFrom(sock, '0', (ev) => ev.filter((e) => e.event === 'decision').length >= head).done).filter((e) => e.event === 'decision');
  t.equal(journaled.length, head, 'the replay from 0 is the whole journal');
  const approvals = journaled.filter((e) => (e.data as Decision).outcome === 'approved');
  t.same(
    approvals.map((e) => (e.data as Decision).paymentId).sort(),
    [...seen].filter(([, s]) => s === 'approved').map(([id]) => id).sort(),
    'the approvals in the journal are exactly the payments the register was told are approved',
  );
  await kill(child);
});

t.test('Last-Event-ID resume does not miss a decision made while the stream was down, nor repeat one', async (t) => {
  const { tw, d } = await inProcess(t);
  const sock = tw.config.api.socket;
  const purse = await tw.world.purse();
  const pay = async (seq: number, cumulative: number): Promise<Decision> => {
    await d.checkout!.startPayment({ amount: 10 });
    return tw.scan(d, await tw.merchantPayment(d, purse, { seq, cumulative }));
  };
  // First connection sees decision 1 live, with its id.
  const live = eventsFrom(sock, undefined, (ev) => ev.some((e) => e.event === 'decision'));
  await live.opened;
  const d1 = await pay(1, 10);
  const first = (await live.done).filter((e) => e.event === 'decision');
  t.match(first, [{ id: String(d1.journalIndex), data: { journalIndex: d1.journalIndex } }]);
  // Dropped; two decisions meanwhile: an approval, and a journaled decline (the same sequence again, no request open).
  const d2 = await pay(2, 20);
  const d3 = await tw.scan(d, await tw.merchantPayment(d, purse, { seq: 2, cumulative: 30, amount: 10 }));
  t.equal(d3.outcome, 'declined');
  t.equal(d3.journaled, true);
  // Resume: exactly 2 and 3, then a live 4.
  const resumed = eventsFrom(sock, first[0]!.id, (ev) => ev.filter((e) => e.event === 'decision').length >= 3);
  await resumed.opened;
  const d4 = await pay(3, 30);
  const got = (await resumed.done).filter((e) => e.event === 'decision');
  t.same(
    got.map((e) => e.id),
    [d2, d3, d4].map((x) => String(x.journalIndex)),
  );
  t.match(got[1]!.data, { outcome: 'declined', reason: d3.reason, replayed: true });
  await t.rejects(new ApiClient({ socketPath: sock }).call('GET', '/v1/events?lastEventId=abc'), { code: 'API_BAD_REQUEST' });
});

t.test('the same Idempotency-Key twice at once opens one payment; a malformed key is refused', async (t) => {
  const { tw, d } = await inProcess(t);
  const sock = tw.config.api.socket;
  const [a, b] = await Promise.all([post(sock, 'sale-1', { amount: 250 }), post(sock, 'sale-1', { amount: 250 })]);
  t.same([a.status, b.status].sort(), [200, 201], 'one opened it, the other got it');
  t.equal(a.json.id, b.json.id);
  t.match(await post(sock, 'sale-1', { amount: 250, currency: 'USD' }), { status: 422, json: { error: { code: 'API_IDEMPOTENCY_MISMATCH' } } });
  t.match(await post(sock, 'sale-2', { amount: 250 }), { status: 409, json: { error: { code: 'PAYMENT_BUSY' } } }, 'a new key while one is open is busy, as without keys');
  t.match(await post(sock, 'bad key with spaces', { amount: 250 }), { status: 400, json: { error: { code: 'API_BAD_REQUEST', message: /Idempotency-Key/ } } });
  d.checkout!.cancel();
  t.match(await post(sock, 'sale-1', { amount: 250 }), { status: 200, json: { id: a.json.id, status: 'cancelled' } }, 'the key still names the cancelled payment');
  t.match(await post(sock, 'sale-2', { amount: 250 }), { status: 201, json: { status: 'pending' } }, 'a refused key was not used up');
});

t.test('a register far behind catches up page by page: one page per connection, then it reconnects with the last id', async (t) => {
  const { tw, d } = await inProcess(t);
  const store = d.store!;
  for (let i = 0; i < REPLAY_PAGE + 20; i++) {
    await store.appendDecision({ txId: new Uint8Array(32).fill(i % 256), payment: new Uint8Array([0xa0]), approved: false, reason: 1, amountCharged: 0, timeMs: tw.clock.now() });
  }
  const first = (await eventsFrom(tw.config.api.socket, '0', () => false).done).filter((e) => e.event === 'decision');
  t.equal(first.length, REPLAY_PAGE, 'one page, then the stream ended');
  t.equal(first.at(-1)?.id, String(REPLAY_PAGE));
  const rest = (await eventsFrom(tw.config.api.socket, first.at(-1)!.id, (ev) => ev.filter((e) => e.event === 'decision').length >= 20).done).filter((e) => e.event === 'decision');
  t.same(
    rest.map((e) => Number(e.id)),
    Array.from({ length: 20 }, (_, i) => REPLAY_PAGE + 1 + i),
  );
});
