// Every tessera-backoffice and tessera-wallet command on a real home: text for people by default, one JSON document with --json, --version; amounts formatted with the currency's ISO 4217 exponent.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedTerminal } from '#backoffice/testkit';
import { startMosquitto } from '../support/mosquitto.js';
import { opsWorld } from '../ops/ops-world.js';
import { BIN, leafCommands, run, type Cli, type Run } from './spawn.js';

const version = (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), 'tessera-conventions-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const parses = (s: string): boolean => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
};

/** A command that runs until SIGTERM (`run`, `serve`): its output once it has said it runs (a line, or a whole JSON document), then its exit status. */
function daemon(cli: Cli, args: string[], json: boolean): Promise<Run> {
  const child = spawn(process.execPath, [BIN[cli], ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', TESSERA_LOG_LEVEL: 'warn' } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return new Promise<Run>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (json ? parses(stdout) : stdout.includes('\n')) child.kill('SIGTERM');
    });
    void exited.then((code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

t.test('every back-office and wallet command: text by default, JSON with --json', { timeout: 600_000 }, async (t) => {
  const broker = await startMosquitto({ persistence: false });
  t.teardown(() => broker.close());
  // The world runs on the real clock: the CLIs check certificates against it.
  const w = await opsWorld(undefined, { start: Math.floor(Date.now() / 1000) });
  t.teardown(() => w.close());
  const cafe = await w.terminal('T-1');
  const bakery = await w.terminal('T-2', 'M-BAKERY');
  const ann = await w.purse('ann');
  const clone = await w.purse('cleo', 1_000);
  const dan = await w.purse('dan', 500);
  const eve = await w.purse('eve', 500);
  const paid = await w.pay(cafe, ann, 450, { sealed: '{"basket":"coffee"}' });
  await w.pay(cafe, clone, 500);
  await w.pay(bakery, clone, 500, { again: true });
  await w.clear(cafe);
  await w.clear(bakery);
  const fraudCase = String((await w.bo.ledger.fraudCases())[0]?.id);
  const requests = { a: await cafe.requestPayment(120, 'EUR'), b: await cafe.requestPayment(130, 'EUR') };
  const enrolment = await new SimulatedTerminal('T-3', w.bo.trust, w.now).enrolmentRequest();
  const wallet = join(dir, 'wallet');
  t.equal((await run('tessera-wallet', ['--home', wallet, 'create'])).code, 0);
  const walletKey = (await run('tessera-wallet', ['--home', wallet, 'public-key'])).stdout.trim();
  const today = new Date().toISOString().slice(0, 10);
  const H = ['--home', w.home];
  const root = w.bo.rootPublicKey;

  // One success case per command, `v` telling the text run ('a') from the --json run ('b') where a command makes something new.
  type Case = (v: 'a' | 'b') => string[];
  const cases: Record<Cli, Record<string, Case>> = {
    tessera: {},
    'tessera-backoffice': {
      init: (v) => ['--home', join(dir, `init-${v}`), 'init'],
      'issue-terminal': (v) => [...H, 'issue-terminal', enrolment, '--merchant', 'M-3', '--name', 'Kiosk', '--out', join(dir, `bundle-${v}.json`)],
      'account create': (v) => [...H, 'account', 'create', `new-${v}`, '--name', 'New'],
      'account fund': () => [...H, 'account', 'fund', 'acct-ann', '1000'],
      'account show': () => [...H, 'account', 'show', 'acct-ann'],
      'account statement': () => [...H, 'account', 'statement', 'acct-ann'],
      'issue-purse': (v) => [...H, 'issue-purse', '--account', 'acct-ann', '--wallet-key', walletKey, '--cap', '300', '--limit', '200', '--out', join(dir, `purse-${v}.json`)],
      'settle-expired': () => [...H, 'settle-expired'],
      run: () => [...H, 'run', '--broker', broker.url, '--expire-every', '0', '--refresh-every', '0', '--status-every', '0'],
      report: () => [...H, 'report'],
      'verify-journal': () => [...H, 'verify-journal', 'T-1'],
      audit: () => [...H, 'audit'],
      deny: () => [...H, 'deny', dan.purseId, '--reason', 'lost card'],
      'publish-denylist': () => [...H, 'publish-denylist', '--broker', broker.url],
      'publish-config': () => [...H, 'publish-config', 'T-1', '--operator', 'OP', '--fare', '250', '--broker', broker.url],
      'publish-trust': () => [...H, 'publish-trust', '--broker', broker.url],
      'broker-acl': (v) => [...H, 'broker-acl', '--out', join(dir, `acl-${v}.json`)],
      'trust sign': (v) => ['trust', 'sign', '--root-key', w.bo.paths.rootKey, '--current', w.bo.paths.trustList, '--out', join(dir, `trust-${v}.txt`)],
      'trust show': () => ['trust', 'show', w.bo.paths.trustList, '--root', root],
      // One key may wait for its ceremony at a time: the second run asks another home.
      'trust new-issuer-key': (v) => ['--home', v === 'a' ? w.home : join(dir, 'init-a'), 'trust', 'new-issuer-key'],
      'tx show': () => [...H, 'tx', 'show', paid.txId],
      'tx search': () => [...H, 'tx', 'search'],
      'purse show': () => [...H, 'purse', 'show', ann.purseId],
      'purse list': () => [...H, 'purse', 'list'],
      'purse close': () => [...H, 'purse', 'close', eve.purseId, '--reason', 'phone lost'],
      'purse undeny': () => [...H, 'purse', 'undeny', dan.purseId, '--reason', 'card found'],
      'terminal show': () => [...H, 'terminal', 'show', 'T-1'],
      'terminal list': () => [...H, 'terminal', 'list'],
      overview: () => [...H, 'overview'],
      'fraud list': () => [...H, 'fraud', 'list'],
      'fraud show': () => [...H, 'fraud', 'show', fraudCase],
      'fraud resolve': () => [...H, 'fraud', 'resolve', fraudCase, '--outcome', 'charge-back', '--reason', 'cloned wallet'],
      statement: () => [...H, 'statement', '--merchant', 'M-CAFE', '--date', today],
      'sealed open': () => [...H, 'sealed', 'open'],
      refund: () => [...H, 'refund', paid.txId, '100', '--merchant', 'M-CAFE', '--id', 'r-1', '--reason', 'cold coffee'],
      serve: () => [...H, 'serve', '--listen', '127.0.0.1:0', '--dev-idp', '--rate-limit', '0'],
      backup: (v) => [...H, 'backup', '--out', join(dir, `backup-${v}.tar.gz`)],
      restore: (v) => ['--home', join(dir, `restored-${v}`), 'restore', join(dir, 'backup-a.tar.gz')],
    },
    'tessera-wallet': {
      create: (v) => ['--home', join(dir, `wallet-${v}`), 'create'],
      'public-key': () => ['--home', wallet, 'public-key'],
      'import-purse': (v) => ['--home', wallet, 'import-purse', join(dir, `purse-${v}.json`)],
      balance: () => ['--home', wallet, 'balance'],
      pay: (v) => ['--home', wallet, 'pay', '--request', requests[v], '--text'],
      history: () => ['--home', wallet, 'history'],
    },
  };

  for (const cli of ['tessera-backoffice', 'tessera-wallet'] as const) {
    const v = await run(cli, ['--version']);
    t.equal(v.code, 0);
    t.equal(v.stdout.trim(), version, `${cli} --version prints the package version`);
    const commands = await leafCommands(cli);
    t.ok(commands.length > 3, `${cli}: commands found in --help`);
    t.same(commands.filter((c) => !(c in cases[cli])), [], `${cli}: every command has a success case`);
    // In order: later commands use what earlier ones made (backup before restore, issue-purse before import-purse).
    for (const name of commands) {
      const args = cases[cli][name] as Case;
      const long = name === 'run' || name === 'serve';
      const text = long ? await daemon(cli, args('a'), false) : await run(cli, args('a'));
      t.equal(text.code, 0, `${cli} ${name} succeeds (stderr: ${text.stderr.trim()})`);
      const first = text.stdout.split('\n')[0] ?? '';
      t.ok(first.trim() !== '' && !parses(long ? first : text.stdout) && !/^\s*[{[]/.test(first), `${cli} ${name} prints text for people: ${JSON.stringify(first)}`);
      const json = long ? await daemon(cli, [...args('b'), '--json'], true) : await run(cli, [...args('b'), '--json']);
      t.equal(json.code, 0, `${cli} ${name} --json succeeds (stderr: ${json.stderr.trim()})`);
      t.ok(parses(json.stdout), `${cli} ${name} --json prints one JSON document: ${JSON.stringify(json.stdout.slice(0, 200))}`);
    }
  }
});

t.test('amounts for people take the currency exponent; --json keeps minor units and the currency', { timeout: 120_000 }, async (t) => {
  const home = async (currency: string, balance: number) => {
    const h = ['--home', join(dir, `money-${currency}`)];
    for (const args of [['init', '--currency', currency], ['account', 'create', 'a'], ['account', 'fund', 'a', String(balance)]]) {
      const r = await run('tessera-backoffice', [...h, ...args]);
      t.equal(r.code, 0, `${currency} ${args[0]}: ${r.stderr}`);
    }
    return h;
  };
  const isk = await home('ISK', 1_000);
  t.match((await run('tessera-backoffice', [...isk, 'account', 'show', 'a'])).stdout, /^a \(customer\) balance ISK 1,000$/m, 'ISK has no decimals');
  t.match(JSON.parse((await run('tessera-backoffice', [...isk, 'account', 'show', 'a', '--json'])).stdout), { balance: 1_000, currency: 'ISK' });
  const jod = await home('JOD', 1_250);
  t.match((await run('tessera-backoffice', [...jod, 'account', 'show', 'a'])).stdout, /^a \(customer\) balance JOD 1\.250$/m, 'JOD has three');
  const eur = await home('EUR', 230);
  t.match((await run('tessera-backoffice', [...eur, 'account', 'show', 'a'])).stdout, /^a \(customer\) balance EUR 2\.30$/m, 'EUR has two');

  const report = await run('tessera-backoffice', [...eur, 'report']);
  t.match(report.stdout, /^a +customer +EUR 2\.30$/m, 'report: 230 minor units read EUR 2.30');
  t.match(report.stdout, /^external:funding +external +-EUR 2\.30$/m);
  t.notMatch(report.stdout, /\b230\b/, 'no raw minor units');
  t.match(JSON.parse((await run('tessera-backoffice', [...eur, 'report', '--json'])).stdout), { currency: 'EUR', accounts: [{ id: 'a', balance: 230, currency: 'EUR' }] });

  // Progress of long work is on stderr in text mode only: stdout stays the result.
  const audit = await run('tessera-backoffice', [...eur, 'audit']);
  t.equal(audit.stdout, '0 settlement(s), postings sum EUR 0.00: ledger consistent\n');
  t.match(audit.stderr, /^auditing the ledger/);
  const auditJson = await run('tessera-backoffice', [...eur, 'audit', '--json']);
  t.match(JSON.parse(auditJson.stdout), { ok: true, postingsSum: 0, currency: 'EUR' });
  t.equal(auditJson.stderr, '', 'no progress with --json');

  // A purse in JOD: the back office's text, the purse file on stdout without --out, the wallet's balance.
  const wallet = ['--home', join(dir, 'money-wallet')];
  t.equal((await run('tessera-wallet', [...wallet, 'create'])).code, 0);
  const key = (await run('tessera-wallet', [...wallet, 'public-key'])).stdout.trim();
  const issued = await run('tessera-backoffice', [...jod, 'issue-purse', '--account', 'a', '--wallet-key', key, '--cap', '1250', '--limit', '500']);
  t.equal(issued.code, 0, issued.stderr);
  t.match(JSON.parse(issued.stdout), { format: 'tessera-purse/1' }, 'without --out the purse file itself is on stdout');
  t.match(issued.stderr, /cap JOD 1\.250, up to JOD 0\.500 a payment, valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; the purse file is on stdout/, 'and a line for people on stderr');
  const file = join(dir, 'jod-purse.json');
  t.equal((await run('tessera-backoffice', [...jod, 'account', 'fund', 'a', '1'])).code, 0);
  const out = await run('tessera-backoffice', [...jod, 'issue-purse', '--account', 'a', '--wallet-key', key, '--cap', '1', '--limit', '1', '--out', file]);
  t.equal(out.code, 0, out.stderr);
  t.match((await run('tessera-wallet', [...wallet, 'import-purse', file])).stdout, /: JOD 0\.001 available, up to JOD 0\.001 per payment$/m);
  t.match((await run('tessera-wallet', [...wallet, 'balance'])).stdout, /^[0-9a-f]{32} {2}JOD 0\.001 of JOD 0\.001 {2}\(seq 0\)$/m);
  t.match(JSON.parse((await run('tessera-wallet', [...wallet, 'balance', '--json'])).stdout), { totals: [{ currency: 'JOD', available: 1 }] });
  t.match((await run('tessera-backoffice', [...jod, 'purse', 'list'])).stdout, /cap JOD 1\.250 {2}spent JOD 0\.000 {2}reserved JOD 1\.250/);
});

t.test('usage errors and help end as in tessera: one line with USAGE, exit 2; help exits 0', async (t) => {
  for (const cli of ['tessera-backoffice', 'tessera-wallet'] as const) {
    const bogus = await run(cli, [cli === 'tessera-wallet' ? 'balance' : 'report', '--bogus']);
    t.equal(bogus.code, 2, `${cli}: an unknown option exits 2`);
    t.equal(bogus.stderr, `${cli}: unknown option '--bogus' [USAGE]\n`, 'in one line naming the code');
    const json = await run(cli, ['no-such-command', '--json']);
    t.equal(json.code, 2);
    t.same(JSON.parse(json.stdout), { error: { code: 'USAGE', message: "unknown command 'no-such-command'" } });
    const help = await run(cli, ['--help']);
    t.equal(help.code, 0);
    t.match(help.stdout, new RegExp(`^Usage: ${cli} `));
  }
  const missing = await run('tessera-backoffice', ['refund', '00', '1', '--id', 'r', '--reason', 'x']);
  t.equal(missing.code, 2);
  t.equal(missing.stderr, "tessera-backoffice: required option '--merchant <id>' not specified [USAGE]\n");
});
