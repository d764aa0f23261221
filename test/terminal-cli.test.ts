import t from 'tap';
import Database from 'better-sqlite3';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '#protocol';
import { ApiClient, type Decision, type PaymentState } from '#terminal';
import { createTerminalWorld } from '#terminal/testkit';

const CLI = join(process.cwd(), 'dist/terminal/cli/main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const json = <T = Record<string, unknown>>(r: Run): T => JSON.parse(r.stdout) as T;

t.test('the compiled tessera CLI drives a real daemon child process', { timeout: 150_000 }, async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const tw = await createTerminalWorld({ now, config: { api: { allowScanInjection: true } } });
  t.teardown(() => tw.cleanup());
  const cfg = ['--config', tw.configPath];
  const daemon = spawn(process.execPath, [CLI, 'daemon', ...cfg], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', TESSERA_LOG_LEVEL: 'warn' } });
  let daemonErr = '';
  daemon.stderr.on('data', (c: Buffer) => (daemonErr += c.toString()));
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  });

  const api = new ApiClient({ socketPath: tw.config.api.socket });
  for (let i = 0; i < 200; i++) {
    if (await api.call('GET', '/v1/status').then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const status = await cli(['status', '--json', ...cfg]);
  t.equal(status.code, 0, `daemon answers (${daemonErr})`);
  t.match(json(status), { terminalId: 'T-0001', mode: 'merchant', ready: true, journal: { head: 0 }, build: 'bundle' });
  const human = await cli(['status', ...cfg]);
  t.match(human.stdout, /^Terminal\s+T-0001 \(merchant, Café Tessera\) READY/m);
  t.match(human.stdout, /^Latency\s+no decisions since start/m);

  const charged = await cli(['charge', '4.50', '--reference', 'R-1', '--json', ...cfg]);
  t.equal(charged.code, 0, charged.stderr);
  const p = json<PaymentState>(charged);
  t.match(p, { status: 'pending', amount: 450, currency: 'EUR', reference: 'R-1' });
  const busy = await cli(['charge', '1', '--json', ...cfg]);
  t.equal(busy.code, 1);
  t.match(json(busy), { error: { code: 'PAYMENT_BUSY' } });
  t.match(busy.stderr, /^tessera: PAYMENT_BUSY: .*\n$/);
  t.equal((await cli(['charge', '4.505', ...cfg])).code, 1, 'more decimals than the currency has');

  const purse = await tw.world.purse();
  const pay = async (id: string, amount: number, seq: number, cumulative: number) =>
    (await tw.world.payment(purse, { payee: 'T-0001', amount, cumulative, seq, time: Math.floor(Date.now() / 1000), requestNonce: fromHex(id) })).text;
  const first = await api.call<Decision>('POST', '/v1/scan', { code: await pay(p.id, 450, 1, 450) });
  t.match(first, { outcome: 'approved', amount: 450 });

  // charge --wait follows the payment until the customer has paid.
  const waiting = cli(['charge', '2.00', '--wait', '--json', ...cfg]);
  let open: PaymentState | undefined;
  for (let i = 0; i < 100 && !open; i++) {
    open = await api.call<PaymentState>('GET', '/v1/payments/current').catch(() => undefined);
    if (!open) await new Promise((r) => setTimeout(r, 100));
  }
  t.ok(open, 'the waiting charge opened a request');
  const second = await api.call<Decision>('POST', '/v1/scan', { code: await pay(open!.id, 200, 2, 650) });
  t.equal(second.outcome, 'approved');
  const waited = await waiting;
  t.equal(waited.code, 0, waited.stderr);
  t.match(json(waited), { status: 'approved', amount: 200, txId: second.txId });
  t.match((await api.call('POST', '/v1/scan', { code: 'not a payment' })) as object, { outcome: 'declined', reason: 'MALFORMED' });

  // Human output by default: every client command prints text, never JSON, without --json.
  const opened = await cli(['charge', '1.00', ...cfg]);
  t.match(opened.stdout, /^Payment [0-9a-f]+ open: EUR 1\.00 — the customer scans the QR on the display\n$/);
  t.match((await cli(['cancel', ...cfg])).stdout, /^cancelled EUR 1\.00 id [0-9a-f]+\n$/);
  t.match((await cli(['tx', 'show', '1', ...cfg])).stdout, /^index\s+1\n/);
  t.match((await cli(['config', 'check', ...cfg])).stdout, /: OK, identity files readable and well-formed\n/);
  const st = json<{ latency: { count: number; p50Ms: number; p99Ms: number }; journal: { head: number } }>(await cli(['status', '--json', ...cfg]));
  t.equal(st.journal.head, 2);
  t.equal(st.latency.count, 3);
  t.ok(st.latency.p50Ms > 0 && st.latency.p99Ms >= st.latency.p50Ms, 'p50/p99 reported');

  const list = await cli(['tx', 'list', '--json', ...cfg]);
  t.match(json(list), { head: 2, transactions: [{ index: 2, amount: 200 }, { index: 1, amount: 450, reference: 'R-1' }] });
  t.match((await cli(['tx', 'list', ...cfg])).stdout, /^#\s+time\s+decision\s+amount/);
  t.match(json(await cli(['tx', 'show', first.txId!, '--json', ...cfg])), { index: 1, decision: 'approved', amount: 450 });
  const csv = await cli(['tx', 'export', '--format', 'csv', ...cfg]);
  t.equal(csv.stdout.trim().split('\n').length, 3, 'header and two rows');
  const jsonl = await cli(['tx', 'export', '--format', 'jsonl', ...cfg]);
  t.same(jsonl.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { index: number }).index), [1, 2]);
  const out = join(tw.dir, 'export.csv');
  t.match(json(await cli(['tx', 'export', '--format', 'csv', '-o', out, '--json', ...cfg])), { output: out, format: 'csv' });
  t.equal(readFileSync(out, 'utf8'), csv.stdout);
  // The register's search, the Z-report and the API's own conventions, on the bundled daemon.
  t.match(json(await cli(['transactions', '--reference', 'R-1', '--json', ...cfg])), { transactions: [{ index: 1, reference: 'R-1' }] });
  t.equal(json<{ transactions: unknown[] }>(await cli(['transactions', '--reference', 'R-2', '--json', ...cfg])).transactions.length, 0);
  const day = json<{ time: string }>(await cli(['tx', 'show', '1', '--json', ...cfg])).time.slice(0, 10); // locale.timeZone is UTC here
  t.match(json(await cli(['z-report', '--date', day, '--json', ...cfg])), { date: day, timeZone: 'UTC', records: 2, currencies: [{ currency: 'EUR', approved: { count: 2, amount: 650 }, net: 650 }] });
  t.match((await cli(['z-report', '--date', day, ...cfg])).stdout, /^Z-report .*\n[\s\S]*^Approved \(2\) +EUR 6\.50$/m, 'human text by default');
  t.match(json(await cli(['api-docs', ...cfg])), { openapi: '3.1.0', paths: { '/v1/reports/z': { get: {} } } });
  await t.rejects(api.call('GET', '/v1/reprint'), { code: 'API_BAD_REQUEST', details: { status: 405 } });
  await t.rejects(api.call('POST', '/v1/payments', { amount: 100, note: 'x' }), { code: 'API_BAD_REQUEST', message: /unknown field "note"/ });
  const reprint = await cli(['reprint', '--json', ...cfg]);
  t.equal(reprint.code, 1);
  t.match(json(reprint), { error: { code: 'PRINTER_UNAVAILABLE' } });
  t.match(json(await cli(['devices', '--json', ...cfg])), { serial: Array, hid: Array, framebuffers: Array, printers: Array, problems: Array });
  const devices = await cli(['devices', ...cfg]);
  t.equal(devices.code, 0, devices.stderr);
  t.match(devices.stdout, /^Serial ports \(scanner type "serial", printer type "serial"\):\n/, 'devices prints a table for humans, not JSON');
  t.notMatch(devices.stdout, /^[{[]/m);
  t.match(json(await cli(['config', 'check', '--json', ...cfg])), { ok: true, path: tw.configPath });

  daemon.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM stops the daemon cleanly');
  t.match(json(await cli(['status', '--json', ...cfg])), { error: { code: 'DAEMON_UNREACHABLE' } });

  // verify-journal reads the database directly; then tampering is found.
  const ok = await cli(['verify-journal', '--json', ...cfg]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(json(ok), { ok: true, records: 2 });
  const db = new Database(tw.config.database.path);
  db.exec('DROP TRIGGER journal_no_update');
  db.prepare('UPDATE journal SET amount = 1 WHERE idx = 2').run();
  db.close();
  const bad = await cli(['verify-journal', '--json', ...cfg]);
  t.equal(bad.code, 1);
  t.match(json(bad), { ok: false, firstBadIndex: 2, problem: /row columns differ/ });
  t.match(bad.stderr, /JOURNAL_TAMPERED: first bad record 2/);
  t.match((await cli(['verify-journal', ...cfg])).stdout, /journal BAD at index 2/);
});

t.test('config errors: torn JSON and a bad field are one-line CONFIG_INVALID reasons naming the field', { timeout: 60_000 }, async (t) => {
  const tw = await createTerminalWorld();
  t.teardown(() => tw.cleanup());
  const path = join(tw.dir, 'bad.json');
  writeFileSync(path, '{"limits": {"maxOfflineHours": ');
  const torn = await cli(['config', 'check', '--config', path]);
  t.equal(torn.code, 1);
  t.match(torn.stderr, /^tessera: CONFIG_INVALID: .*not valid JSON.*\n$/);
  writeFileSync(path, JSON.stringify({ limits: { maxOfflineHours: -1 } }));
  const field = await cli(['config', 'check', '--schema-only', '--json'], { TESSERA_CONFIG: path });
  t.equal(field.code, 1);
  t.match(json(field), { error: { code: 'CONFIG_INVALID', message: /limits\.maxOfflineHours/ } });
  writeFileSync(path, JSON.stringify({ unknownKey: 1 }));
  t.match(json(await cli(['config', 'check', '--json', '--config', path])), { error: { code: 'CONFIG_INVALID' } });
  t.match(json(await cli(['config', 'check', '--json', '--config', join(tw.dir, 'missing.json')])), { error: { code: 'CONFIG_NOT_FOUND' } });
  // Versions: an unversioned file is migrated on load and said so; a newer one is refused with its own code.
  writeFileSync(path, JSON.stringify({ merchant: { currency: 'CHF' } }));
  const old = await cli(['config', 'check', '--schema-only', '--config', path]);
  t.equal(old.code, 0, old.stderr);
  t.match(old.stdout, /: OK \(schema only\)\nversion 0, migrated to 1 on load/);
  t.match(json(await cli(['config', 'check', '--schema-only', '--json', '--config', path])), { ok: true, migrated: { from: 0, to: 1 }, config: { version: 1 } });
  writeFileSync(path, JSON.stringify({ version: 99 }));
  const newer = await cli(['config', 'check', '--schema-only', '--json', '--config', path]);
  t.equal(newer.code, 1);
  t.match(json(newer), { error: { code: 'CONFIG_TOO_NEW' } });
  const docs = await cli(['config', 'docs']);
  t.equal(docs.stdout, readFileSync(join(process.cwd(), 'docs/config.md'), 'utf8'), 'docs/config.md is generated from the schema');
  const usage = await cli(['tx', 'export', '--format', 'xml']);
  t.equal(usage.code, 2, 'usage errors exit 2');
});

t.test('--version on every CLI prints package.json\'s version', { timeout: 60_000 }, async (t) => {
  const { version } = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string };
  for (const bin of [CLI, join(process.cwd(), 'dist/backoffice/cli/main.js'), join(process.cwd(), 'dist/wallet/cli/main.js')]) {
    const r = await new Promise<Run>((resolve) =>
      execFile(process.execPath, [bin, '--version'], { env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })),
    );
    t.equal(r.code, 0, `${bin}: ${r.stderr}`);
    t.equal(r.stdout, `${version}\n`);
  }
});
