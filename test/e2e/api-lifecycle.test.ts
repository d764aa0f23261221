// The whole life of a customer, a merchant and an operator through the HTTP API: `serve` and clearing as processes, PostgreSQL, mosquitto, dev-IdP tokens.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import t, { type Test } from 'tap';
import { encodeStatus, fromHex, fromQrText, topics, verifyTrustList } from '#protocol';
import { Wallet } from '#wallet';
import { BackOffice } from '#backoffice';
import { SimulatedTerminal } from '#backoffice/testkit';
import { DEV_ACCOUNT, DEV_MERCHANT } from '../../backoffice/api/index.js';
import { callApi, devIdpLogin, type Answer, type CallOptions } from '../../backoffice/api/testkit/index.js';
import { startMosquitto } from '../support/mosquitto.js';
import { startPostgres } from '../support/postgres.js';

const BO_CLI = join(process.cwd(), 'dist/backoffice/cli/main.js');
// The children run as in production: without tap's per-process coverage hooks.
const ENV: NodeJS.ProcessEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^_?TAP/.test(k))), NODE_OPTIONS: '', TESSERA_LOG_LEVEL: 'warn' };

interface Err {
  error: { code: string; message: string; requestId: string };
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Starts a back-office command and resolves with its first stdout line (its --json "running" line). */
function startChild(t: Test, args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [BO_CLI, ...args], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(async () => {
    if (child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: no start line in 30 s; stderr: ${err}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve({ child, line: out.slice(0, nl) });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code}): ${err}`));
    });
  });
}

/** Polls until `probe` returns a value (every wait bounded). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('customer, merchant and operator through the API, on PostgreSQL and mosquitto', async (t) => {
  const pg = await startPostgres();
  t.teardown(() => pg.close());
  const broker = await startMosquitto({ persistence: false });
  t.teardown(() => broker.close());
  const dir = mkdtempSync(join(tmpdir(), 'tessera-api-e2e-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = await pg.createDatabase();
  const home = join(dir, 'bo');

  // The operator's set-up on the back-office machine: the back office, and a café terminal of the seeded merchant.
  const bo = await BackOffice.init(home, { db });
  t.teardown(() => bo.close());
  const term = new SimulatedTerminal('T-LUM1', bo.trust, () => bo.now());
  term.install((await bo.issueTerminal(await term.enrolmentRequest(), { mode: 'merchant', merchantId: DEV_MERCHANT, displayName: 'Café Lumière' })).bundle.terminalCert);

  await startChild(t, ['--home', home, '--db', db, '--json', 'run', '--broker', broker.url, '--refresh-every', '0']);
  const served = await startChild(t, ['--home', home, '--db', db, '--json', 'serve', '--listen', '127.0.0.1:0', '--dev-idp', '--broker', broker.url]);
  const s = JSON.parse(served.line) as { url: string; devUsers: { username: string; password: string }[] };
  const login = async (username: string, client?: string) =>
    (await devIdpLogin({ base: s.url, username, password: s.devUsers.find((u) => u.username === username)?.password ?? '', ...(client ? { client } : {}) })).accessToken;
  const operator = await login('operator');
  const merchant = await login('merchant');
  const customer = await login('customer', 'tessera-wallet');
  const call = <T>(method: string, path: string, o: CallOptions = {}): Promise<Answer<T>> => callApi<T>(s.url, method, path, o);
  const key = (() => {
    let n = 0;
    return (what: string) => `e2e-${what}-${++n}`;
  })();

  // ---- the operator funds the customer's account ----
  const me = await call<{ accountId: string; roles: string[] }>('GET', '/v1/me', { token: customer });
  t.match(me.body, { accountId: DEV_ACCOUNT, roles: ['customer'] });
  t.equal((await call<Err>('POST', `/v1/accounts/${DEV_ACCOUNT}/fund`, { token: customer, body: { amount: 10_000 }, headers: { 'idempotency-key': key('fund') } })).status, 403, 'a customer cannot fund itself');
  const funded = await call<{ balance: number }>('POST', `/v1/accounts/${DEV_ACCOUNT}/fund`, { token: operator, body: { amount: 10_000 }, headers: { 'idempotency-key': 'bank-ref-0001' } });
  t.equal(funded.status, 200, JSON.stringify(funded.body));
  t.equal(funded.body.balance, 10_000);

  // ---- the customer onboards a wallet key and gets a purse ----
  const wallet = Wallet.create(join(dir, 'wallet'));
  const ch = await call<{ challenge: string }>('POST', '/v1/wallet/challenge', { token: customer });
  t.equal(ch.status, 201);
  const issued = await call<{ purse: { purseId: string; cap: number; reserved: number }; file: unknown }>('POST', '/v1/wallet/purses', {
    token: customer,
    body: { publicKey: wallet.publicKey, challenge: ch.body.challenge, signature: await wallet.proveKey(ch.body.challenge), cap: 5_000, perPaymentLimit: 2_500 },
    headers: { 'idempotency-key': key('onboard') },
  });
  t.equal(issued.status, 201, JSON.stringify(issued.body));
  const purseId = issued.body.purse.purseId;
  wallet.importPurse(JSON.stringify(issued.body.file));
  const trust = await call<{ version: number; text: string }>('GET', '/v1/fleet/trust');
  t.equal(trust.status, 200, 'the trust list is public');
  const tlBytes = fromQrText('TRUST_LIST', trust.body.text);
  t.ok(tlBytes.ok && verifyTrustList(tlBytes.value, { rootPublicKey: fromHex(bo.rootPublicKey) }).ok, 'the wallet can verify it against the root it holds');

  // ---- the customer pays at the café; the terminal syncs, clearing (another process) settles ----
  const terminalLink = await mqtt.connectAsync(broker.url, { clientId: 'T-LUM1', protocolVersion: 5, reconnectPeriod: 0 });
  t.teardown(() => terminalLink.endAsync(true));
  const paid: string[] = [];
  for (const amount of [350, 420]) {
    const p = await wallet.payMerchant(await term.requestPayment(amount, 'EUR'));
    const d = await term.accept(p.text);
    t.ok(d.approved, `payment of ${amount} approved offline`);
    paid.push(p.txId);
  }
  const ack = await term.sync(terminalLink, 15_000);
  t.equal(ack.upTo, 2, 'clearing acknowledged both records');
  await terminalLink.publishAsync(
    topics.status('T-LUM1'),
    encodeStatus({ state: 'online', backlog: 0, lastSyncAt: Date.now(), devices: { scanner: { state: 'connected' } }, version: '1.0.0', clock: Date.now(), fleet: { trust: 1, denylist: null, config: null } }),
    { qos: 1, retain: true },
  );

  const settledPurse = await until('the purse to show both payments settled', async () => {
    const r = await call<{ spent: number; state: string }>('GET', `/v1/wallet/purses/${purseId}`, { token: customer });
    return r.body.spent === 770 ? r.body : undefined;
  });
  t.match(settledPurse, { state: 'active', spent: 770 });
  const payments = await call<Page<{ txId: string; seq: number; amount: number }>>('GET', `/v1/wallet/purses/${purseId}/payments`, { token: customer });
  t.same(payments.body.items.map((p) => [p.seq, p.amount, p.txId]), [[1, 350, paid[0]], [2, 420, paid[1]]]);

  // ---- the merchant sees its transactions and statement, and refunds ----
  const txs = await call<Page<{ txId: string }>>('GET', `/v1/transactions?merchant=${DEV_MERCHANT}`, { token: merchant });
  t.equal(txs.status, 200, JSON.stringify(txs.body));
  t.same(txs.body.items.map((x) => x.txId).sort(), [...paid].sort(), "the merchant sees its two payments");
  t.equal((await call<Err>('GET', '/v1/transactions?merchant=M-OTHER', { token: merchant })).status, 403, "not another merchant's");
  t.equal((await call<Err>('GET', `/v1/wallet/purses/${purseId}`, { token: merchant })).status, 403, 'nor the wallet API');
  const detail = await call<{ txId: string }>('GET', `/v1/transactions/${paid[0] ?? ''}`, { token: merchant });
  t.equal(detail.status, 200);
  const day = new Date(bo.now() * 1000).toISOString().slice(0, 10);
  const statement = await call<{ payments: { count: number; amount: { amount: number } } }>('GET', `/v1/merchants/${DEV_MERCHANT}/statements?date=${day}`, { token: merchant });
  t.equal(statement.status, 200, JSON.stringify(statement.body));
  t.match(statement.body.payments, { count: 2, amount: { amount: 770 } });
  const refundKey = key('refund');
  const refund = await call<{ created: boolean }>('POST', `/v1/merchants/${DEV_MERCHANT}/refunds`, { token: merchant, body: { txId: paid[1], amount: 120, reason: 'cold coffee' }, headers: { 'idempotency-key': refundKey } });
  t.equal(refund.status, 201, JSON.stringify(refund.body));
  const again = await call<{ created: boolean }>('POST', `/v1/merchants/${DEV_MERCHANT}/refunds`, { token: merchant, body: { txId: paid[1], amount: 120, reason: 'cold coffee' }, headers: { 'idempotency-key': refundKey } });
  t.same([again.status, again.body], [refund.status, refund.body], 'a retried refund gets the same answer (and credits once: the balance below)');

  // ---- the operator sees it all ----
  const account = await call<{ balance: number }>('GET', `/v1/accounts/${DEV_ACCOUNT}`, { token: operator });
  t.equal(account.body.balance, 10_000 - 5_000 + 120, 'cap reserved, refund credited');
  const byPurse = await call<Page<{ txId: string }>>('GET', `/v1/transactions?purse=${purseId}`, { token: operator });
  t.same(byPurse.body.items.map((x) => x.txId).sort(), [...paid].sort());
  const terminal = await until('the terminal health from its retained status', async () => {
    const r = await call<{ health: { online: boolean; backlog: number; lastSeen: number } | null }>('GET', '/v1/terminals/T-LUM1', { token: operator });
    return r.body.health ? r.body : undefined;
  });
  t.match(terminal.health, { online: true, backlog: 0 });
  const metrics = await call<string>('GET', '/metrics');
  t.match(metrics.body, /tessera_terminal_last_seen_seconds\{terminal="T-LUM1"\} \d+/);
  t.equal((await call<Err>('GET', `/v1/wallet/purses/${purseId}`, { token: operator })).status, 403, 'the wallet API is the customer’s alone');

  // ---- the customer returns the purse: what it did not spend goes back ----
  const returned = await call<{ returned: number; purse: { state: string } }>('POST', `/v1/wallet/purses/${purseId}/return`, { token: customer, body: { lastSeq: 2 }, headers: { 'idempotency-key': key('return') } });
  t.equal(returned.status, 200, JSON.stringify(returned.body));
  t.match(returned.body, { returned: 5_000 - 770, purse: { state: 'closed' } });
  const after = await call<{ balance: number }>('GET', `/v1/accounts/${DEV_ACCOUNT}`, { token: customer });
  t.equal(after.body.balance, 10_000 - 770 + 120, 'the customer paid exactly what was settled, less the refund');
  const audit = await bo.ledger.audit();
  t.ok(audit.ok, `the ledger balances: ${audit.problems.join('; ')}`);
});
