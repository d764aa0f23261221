// The compiled CLIs as child processes: init → issue-terminal → account → issue-purse → wallet → pay → clearing `run` → report.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import mqtt from 'mqtt';
import { TrustStore, fromHex, fromQrText, verifyTrustList } from '#protocol';
import { decodeQrPng, qrPngFile } from '#wallet';
import { SimulatedTerminal } from './sim-terminal.js';
import { startMosquitto } from '../test/support/mosquitto.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const BO = join(dist, 'backoffice', 'cli', 'main.js');
const WALLET = join(dist, 'wallet', 'cli', 'main.js');

/** The environment without tap's coverage hooks: child CLIs run as they would in production (and fast). */
function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS_')) env[k] = v;
  return { ...env, ...extra };
}

function run(cli: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: childEnv(env), timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

t.test('the main flow through both CLIs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  const broker = await startMosquitto({ persistence: false });
  const children: ChildProcess[] = [];
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = { TESSERA_BACKOFFICE_HOME: join(dir, 'bo'), TESSERA_WALLET_HOME: join(dir, 'wallet'), TESSERA_LOG_LEVEL: 'warn' };
  const bo = async (...args: string[]) => {
    const r = await run(BO, [...args, '--json'], env);
    t.equal(r.code, 0, `tessera-backoffice ${args[0]} ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const wallet = async (...args: string[]) => {
    const r = await run(WALLET, [...args, '--json'], env);
    t.equal(r.code, 0, `tessera-wallet ${args[0]} ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  const init = await bo('init', '--currency', 'EUR');
  t.equal(statSync(join(dir, 'bo', 'issuer.key')).mode & 0o777, 0o600);
  const rootPublicKey = init.rootPublicKey as string;
  const tl = verifyTrustList((fromQrText('TRUST_LIST', init.trustList as string) as { ok: true; value: Uint8Array }).value, { rootPublicKey: fromHex(rootPublicKey) });
  if (!tl.ok) throw new Error(tl.detail);
  const trust = new TrustStore(tl.value.value);

  // A terminal's enrolment request, from a file.
  const term = new SimulatedTerminal('T-CLI-1', trust);
  writeFileSync(join(dir, 'request.txt'), (await term.enrolmentRequest()) + '\n');
  const issued = await bo('issue-terminal', join(dir, 'request.txt'), '--merchant', 'M-BAKERY', '--name', 'The Bakery', '--out', join(dir, 'bundle.json'));
  t.equal(issued.terminalId, 'T-CLI-1');
  const bundle = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as { format: string; terminalCert: string; rootPublicKey: string };
  t.match(bundle, { format: 'tessera-bundle/1', terminalId: 'T-CLI-1', rootPublicKey, trustList: /^TL1:/, terminalCert: /^TC1:/ });
  term.install(bundle.terminalCert);

  await bo('account', 'create', 'carol', '--name', 'Carol');
  t.match(await bo('account', 'fund', 'carol', '5000'), { balance: 5_000 });
  const created = await wallet('create');
  const purse = await bo('issue-purse', '--account', 'carol', '--wallet-key', created.publicKey as string, '--cap', '3000', '--limit', '1000', '--days', '10', '--out', join(dir, 'purse.json'));
  const purseId = (purse.purse as { purseId: string }).purseId;
  t.match(await wallet('import-purse', join(dir, 'purse.json')), { purseId, available: 3_000 });

  // Pay from a request given as text, then one from a photographed request (PNG); the payment comes out as a PNG too.
  const p1 = await wallet('pay', '--request', await term.requestPayment(400, 'EUR'));
  t.match(p1, { amount: 400, seq: 1, merchant: { displayName: 'The Bakery' }, text: /^TP1:/ });
  t.match(await term.accept(p1.text as string), { approved: true });
  await qrPngFile(join(dir, 'req.png'), await term.requestPayment(250, 'EUR'));
  const p2 = await wallet('pay', '--request-image', join(dir, 'req.png'), '--png', join(dir, 'pay.png'));
  t.equal(decodeQrPng(join(dir, 'pay.png')), p2.text, 'the payment PNG holds the payment');
  t.match(await term.accept(p2.text as string), { approved: true });
  t.match(await wallet('balance'), { available: 3_000 - 650 });
  const refused = await run(WALLET, ['pay', '--request', 'TQ1:garbage'], env);
  t.not(refused.code, 0, 'a bad request fails');
  t.match(refused.stderr, /^tessera-wallet: .+\n$/, 'with a one-line reason');

  // The clearing service as a process; the terminal syncs; the report shows the settlement.
  const svc = spawn(process.execPath, [BO, 'run', '--broker', broker.url], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(svc);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('run did not start')), 15_000);
    svc.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('clearing running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    svc.once('exit', (code) => reject(new Error(`run exited ${code}`)));
  });
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  t.teardown(() => client.endAsync(true));
  const ack = await term.sync(client);
  t.same(ack.results.map((r) => r.status), ['settled', 'settled']);
  t.equal(ack.upTo, 2);

  const report = await bo('report');
  t.match(report, { settlementCount: 2, trialBalance: 0, merchants: [{ merchantId: 'M-BAKERY', count: 2, amount: 650, balance: 650 }] });
  t.match((report.purses as { purseId: string; spent: number }[])[0], { purseId, spent: 650, reserved: 2_350 });
  t.match((report.accounts as { id: string; balance: number }[]).find((a) => a.id === 'carol'), { balance: 2_000 });

  // The journal re-verifies from the ledger; a re-enrolment with a new key (--replace) opens chain 2.
  t.match(await bo('verify-journal', 'T-CLI-1'), { ok: true, chains: [{ chain: 1, records: 2, lastIndex: 2, retiredAt: null, ok: true }] });
  const swapped = new SimulatedTerminal('T-CLI-1', trust);
  writeFileSync(join(dir, 'request2.txt'), (await swapped.enrolmentRequest()) + '\n');
  const noReplace = await run(BO, ['issue-terminal', join(dir, 'request2.txt'), '--merchant', 'M-BAKERY', '--name', 'The Bakery'], env);
  t.not(noReplace.code, 0, 'a new key for an enrolled id needs --replace');
  t.match(noReplace.stderr, /--replace.*\[ALREADY_EXISTS\]/);
  await bo('issue-terminal', join(dir, 'request2.txt'), '--merchant', 'M-BAKERY', '--name', 'The Bakery', '--replace', '--out', join(dir, 'bundle2.json'));
  swapped.install((JSON.parse(readFileSync(join(dir, 'bundle2.json'), 'utf8')) as { terminalCert: string }).terminalCert);
  // The running clearing process settles the new chain from index 1.
  t.match(await swapped.accept((await wallet('pay', '--request', await swapped.requestPayment(100, 'EUR'))).text as string), { approved: true, index: 1 });
  t.same((await swapped.sync(client)).results.map((r) => [r.index, r.status]), [[1, 'settled']]);
  const chains = (await bo('verify-journal', 'T-CLI-1')).chains as { chain: number; records: number; retiredAt: number | null; ok: boolean }[];
  t.same(chains.map((c) => [c.chain, c.records, c.retiredAt === null, c.ok]), [[1, 2, false, true], [2, 1, true, true]]);
  const unknown = await run(BO, ['verify-journal', 'T-NOBODY'], env);
  t.not(unknown.code, 0);
  t.match(unknown.stderr, /\[NOT_FOUND\]/);

  const before = ((await bo('report')).denylist as { version: number }).version;
  const denied = await bo('deny', purseId, '--broker', broker.url);
  t.match(denied, { added: true, published: true });
  t.ok((denied.version as number) > before, `the published deny list (version ${String(denied.version)}) is newer than every earlier one (${before})`);
  t.match(await bo('report'), { denylist: { version: denied.version, purseIds: [purseId], unpublished: 0 } });



  svc.kill('SIGTERM');
  await new Promise((resolve) => svc.once('exit', resolve));
});
