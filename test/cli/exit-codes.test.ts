// Every command of every CLI (tessera, tessera provision …, tessera-backoffice, tessera-wallet) exits non-zero on its failure path; commands are discovered from --help.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, leafCommands, pool, run, type Cli, type Run } from './spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-exit-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const notDir = join(dir, 'a-file');
writeFileSync(notDir, 'not a directory\n');
const sock = join(dir, 'no-daemon.sock');
const missing = join(dir, 'missing');

/** A provisioning root with a machine id; `init` makes it a terminal. */
function root(name: string): string {
  const r = join(dir, name);
  mkdirSync(join(r, 'etc'), { recursive: true });
  writeFileSync(join(r, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
  return r;
}

t.test('every command of every CLI exits non-zero when it fails', { timeout: 240_000 }, async (t) => {
  // A provisioned terminal T-1, a second terminal T-2 and a back office that issued T-2's bundle.
  const empty = root('empty');
  const t1 = root('t1');
  const t2 = root('t2');
  const bo = join(dir, 'bo');
  const init = (r: string, id: string) => run('tessera', ['provision', 'init', '--root', r, '--terminal-id', id, '--merchant-id', 'M-1', '--mode', 'merchant', '--json']);
  const setup = await Promise.all([init(t1, 'T-1'), init(t2, 'T-2'), run('tessera-backoffice', ['--home', bo, 'init', '--json'])]);
  for (const s of setup) t.equal(s.code, 0, `setup: ${s.stderr}`);
  const request = JSON.parse((await run('tessera', ['provision', 'request', '--root', t2, '--json', '--no-qr'])).stdout) as { request: string };
  const otherBundle = join(dir, 'bundle-t2.json');
  const issued = await run('tessera-backoffice', ['--home', bo, 'issue-terminal', request.request, '--merchant', 'M-1', '--name', 'Shop', '--out', otherBundle]);
  t.equal(issued.code, 0, `setup: ${issued.stderr}`);
  // A client certificate that does not belong to the key given with it.
  const openssl = (args: string[]) => new Promise<void>((resolve, reject) => execFile('openssl', args, { cwd: dir }, (e) => (e ? reject(e) : resolve())));
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k1.pem', '-out', 'c1.pem', '-subj', '/CN=T-1', '-days', '2']);
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'k2.pem']);
  const refusedBroker = 'mqtt://127.0.0.1:1';

  // The failure path of each command: [args, expected exit code].
  const cases: Record<Cli, Record<string, [string[], number]>> = {
    tessera: {
      daemon: [['daemon', '--config', join(missing, 'terminal.json')], 1],
      status: [['status', '--socket', sock], 1],
      charge: [['charge', '4.50', '--socket', sock], 1],
      sync: [['sync', '--socket', sock], 1],
      cancel: [['cancel', '--socket', sock], 1],
      'tx list': [['tx', 'list', '--socket', sock], 1],
      'tx show': [['tx', 'show', '1', '--socket', sock], 1],
      'tx export': [['tx', 'export', '--socket', sock], 1],
      reprint: [['reprint', '--socket', sock], 1],
      void: [['void', 'ab'.repeat(32), '--socket', sock], 1],
      refund: [['refund', 'not-a-tx-id', '1.00', '--socket', sock], 1],
      'z-report': [['z-report', '--date', '2026-12-05', '--socket', sock], 1],
      'api-docs': [['api-docs', '--socket', sock], 1],
      'verify-journal': [['verify-journal', '--db', join(missing, 'tessera.db'), '--cert', join(missing, 'terminal.tc1'), '--root-key', join(missing, 'root.pub')], 1],
      'config check': [['config', 'check', '--config', join(missing, 'terminal.json')], 1],
      'config docs': [['config', 'docs', 'surplus'], 2],
      devices: [['devices', 'surplus'], 2],
      backup: [['backup', '--out', join(missing, 'backup.tar.gz'), '--config', join(missing, 'terminal.json')], 1],
      restore: [['restore', join(missing, 'backup.tar.gz'), '--root', join(dir, 'restore-root')], 1],
      'provision init': [['provision', 'init', '--root', empty, '--terminal-id', 'bad id!', '--merchant-id', 'M-1', '--mode', 'merchant'], 1],
      'provision request': [['provision', 'request', '--root', empty], 1],
      'provision install': [['provision', 'install', otherBundle, '--root', t1], 1],
      'provision broker': [['provision', 'broker', '--root', t1, '--url', 'mqtts://localhost:8883', '--ca', join(dir, 'c1.pem'), '--cert', join(dir, 'c1.pem'), '--key', join(dir, 'k2.pem')], 1],
      'provision devices': [['provision', 'devices', '--root', empty, '--scanner', 'none', '--printer', 'none', '--display', 'none'], 1],
      'provision check': [['provision', 'check', '--root', t1], 1],
    },
    'tessera-backoffice': {
      init: [['--home', join(notDir, 'bo'), 'init'], 1],
      'issue-terminal': [['--home', bo, 'issue-terminal', 'TE1:NOT-A-REQUEST', '--merchant', 'M-1', '--name', 'Shop'], 1],
      'account create': [['--home', bo, 'account', 'create', 'bad id!'], 1],
      'account fund': [['--home', bo, 'account', 'fund', 'nobody', '100'], 1],
      'account show': [['--home', bo, 'account', 'show', 'nobody'], 1],
      'issue-purse': [['--home', bo, 'issue-purse', '--account', 'nobody', '--wallet-key', '00', '--cap', '100', '--limit', '10'], 1],
      'settle-expired': [['--home', missing, 'settle-expired'], 1],
      run: [['--home', missing, 'run', '--broker', refusedBroker], 1],
      report: [['--home', missing, 'report'], 1],
      audit: [['--home', missing, 'audit'], 1],
      deny: [['--home', bo, 'deny', 'not-a-purse-id'], 1],
      'publish-denylist': [['--home', bo, 'publish-denylist', '--broker', refusedBroker], 1],
      'publish-config': [['--home', bo, 'publish-config', 'T-2', '--operator', 'OP', '--broker', refusedBroker], 1],
      'publish-trust': [['--home', bo, 'publish-trust', '--broker', refusedBroker], 1],
      'verify-journal': [['--home', bo, 'verify-journal', 'T-NOBODY'], 1],
      'broker-acl': [['--home', bo, 'broker-acl', '--backoffice', 'bad id!'], 1],
      serve: [['--home', bo, 'serve', '--listen', 'no-port-here', '--dev-idp'], 1],
      'trust sign': [['trust', 'sign', '--root-key', join(missing, 'root.key'), '--current', join(missing, 'trust-list.txt'), '--out', join(missing, 'next.txt')], 1],
      'trust show': [['trust', 'show', join(missing, 'trust-list.txt'), '--root', '00'], 1],
      'trust new-issuer-key': [['--home', missing, 'trust', 'new-issuer-key'], 1],
      'tx show': [['--home', bo, 'tx', 'show', '00'.repeat(32)], 1],
      'tx search': [['--home', bo, 'tx', 'search', '--cursor', 'not-a-cursor'], 1],
      'purse show': [['--home', bo, 'purse', 'show', '0'.repeat(32)], 1],
      'purse close': [['--home', bo, 'purse', 'close', '0'.repeat(32), '--reason', 'lost'], 1],
      'purse undeny': [['--home', bo, 'purse', 'undeny', 'not-a-purse-id', '--reason', 'found'], 1],
      'terminal show': [['--home', bo, 'terminal', 'show', 'T-NOBODY'], 1],
      'fraud list': [['--home', bo, 'fraud', 'list', '--limit', '0'], 1],
      'fraud show': [['--home', bo, 'fraud', 'show', '42'], 1],
      'fraud resolve': [['--home', bo, 'fraud', 'resolve', '42', '--outcome', 'charge-back', '--reason', 'x'], 1],
      refund: [['--home', bo, 'refund', '00'.repeat(32), '100', '--merchant', 'M-1', '--id', 'r-1', '--reason', 'x'], 1],
      statement: [['--home', bo, 'statement', '--merchant', 'M-1', '--date', '2027-02-30'], 1],
      'sealed open': [['--home', missing, 'sealed', 'open'], 1],
      'purse list': [['--home', bo, 'purse', 'list', '--cursor', 'x'], 1],
      'terminal list': [['--home', bo, 'terminal', 'list', '--limit', '501'], 1],
      'account statement': [['--home', bo, 'account', 'statement', 'nobody'], 1],
      overview: [['--home', missing, 'overview'], 1],
      backup: [['--home', missing, 'backup', '--out', join(dir, 'bo-backup.tar.gz')], 1],
      restore: [['--home', join(dir, 'bo-restored'), 'restore', join(missing, 'bo-backup.tar.gz')], 1],
    },
    'tessera-wallet': {
      create: [['--home', join(notDir, 'w'), 'create'], 1],
      'public-key': [['--home', missing, 'public-key'], 1],
      'import-purse': [['--home', missing, 'import-purse', join(missing, 'purse.json')], 1],
      balance: [['--home', missing, 'balance'], 1],
      pay: [['--home', missing, 'pay', '--text'], 1],
      history: [['--home', missing, 'history'], 1],
    },
  };

  for (const cli of Object.keys(BIN) as Cli[]) {
    const commands = await leafCommands(cli);
    t.ok(commands.length > 3, `${cli}: commands found in --help`);
    // A command added later without a failure case here fails this test: every command is covered.
    t.same(commands.filter((c) => !(c in cases[cli])), [], `${cli}: every command has a failure case`);
    const named = commands.filter((c) => c in cases[cli]).map((c) => [c, ...(cases[cli][c] as [string[], number])] as const);
    // Runtime failures run with --json (the error is JSON on stdout, the reason on stderr too); usage errors as typed.
    const results = await pool(named, (n) => run(cli, n[2] === 1 ? [...n[1], '--json'] : n[1]));
    named.forEach(([name, , code], i) => {
      const r = results[i] as Run;
      t.equal(r.code, code, `${cli} ${name} fails with exit ${code} (stderr: ${r.stderr.trim().split('\n')[0]})`);
      t.not(r.stderr.trim(), '', `${cli} ${name} says why on stderr`);
      if (code !== 1) return;
      const last = r.stdout.trim().split('\n').pop() ?? '';
      let parsed: { ok?: boolean; error?: { code?: string } } = {};
      try {
        parsed = JSON.parse(last) as typeof parsed;
      } catch {
        t.fail(`${cli} ${name} --json prints JSON, got ${JSON.stringify(r.stdout)}`);
      }
      t.ok(parsed.ok === false || typeof parsed.error?.code === 'string', `${cli} ${name} --json reports the failure`);
      // The back office's and the wallet's error line names the stable code too, for people and their logs.
      if (cli !== 'tessera' && parsed.error?.code) t.ok(r.stderr.includes(parsed.error.code), `${cli} ${name}: the error line names ${parsed.error.code}`);
    });
  }
});
