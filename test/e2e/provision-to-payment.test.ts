// From a fresh temp root to taken payments, with real processes: back office → `tessera provision` → `tessera daemon` (pty scanner, TCP printer) → wallet; SIGTERM mid-payment loses nothing.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { BackOffice } from '#backoffice';
import { SerialScannerEmulator, TcpPrinterEmulator } from '#drivers';
import { ApiClient, type DaemonStatus, type PaymentState, type TransactionJson } from '#terminal';
import { Wallet } from '#wallet';

const CLI = path.join(process.cwd(), 'dist/terminal/cli/main.js');
// The children run as on a terminal: without tap's per-process coverage hooks (they triple start-up time).
const ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^_?TAP/.test(k))),
  NODE_OPTIONS: '',
  TESSERA_LOG_LEVEL: 'warn',
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tessera(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 20_000, env: ENV }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function ok<T = Record<string, unknown>>(t: Test, args: string[]): Promise<T> {
  const r = await tessera(args);
  t.equal(r.code, 0, `tessera ${args.slice(0, 2).join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Polls `probe` every 50 ms until it returns a value; fails after `ms`. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Content and mode of every file under the dirs (what "changes nothing" means). */
function snapshot(dirs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.statSync(p);
        out[p] = `${createHash('sha256').update(fs.readFileSync(p)).digest('hex')} ${(st.mode & 0o777).toString(8)} ${st.mtimeMs}`;
      }
    }
  };
  for (const d of dirs) walk(d);
  return out;
}

t.test('provision → daemon → wallet payments through the pty scanner; SIGTERM mid-payment loses nothing', { timeout: 170_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-'));
  const children = new Set<ChildProcess>();
  const scanner = new SerialScannerEmulator(path.join(dir, 'scanner'), path.join(dir, 'scanner-peer'));
  const printer = new TcpPrinterEmulator();
  const bo = await BackOffice.init(path.join(dir, 'backoffice'));
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await scanner.stop().catch(() => undefined);
    await printer.stop().catch(() => undefined);
    await bo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const configFile = path.join(dir, 'etc/tessera/terminal.json');
  ENV.TESSERA_CONFIG = configFile; // belt and braces: no step may ever reach the machine's /etc/tessera
  const stateDir = path.join(dir, 'var/lib/tessera');
  const P = ['--config', configFile, '--state-dir', stateDir, '--json'];
  const C = ['--config', configFile];

  // The back office, and the terminal set up step by step.
  const init = ['provision', 'init', '--terminal-id', 'T-E2E', '--merchant-id', 'M-CAFE', '--display-name', 'Café E2E', '--mode', 'merchant', ...P];
  t.match(await ok(t, init), { ok: true, terminalId: 'T-E2E', changed: [path.join(stateDir, 'terminal.key'), configFile, path.join(stateDir, 'terminal.db')] });
  const request = ['provision', 'request', '--no-qr', ...P];
  const te1 = (await ok<{ request: string }>(t, request)).request;
  t.match(te1, /^TE1:/);
  const { bundle } = await bo.issueTerminal(te1, { mode: 'merchant', merchantId: 'M-CAFE', displayName: 'Café E2E' });
  const bundleFile = path.join(dir, 'bundle.json');
  BackOffice.writeJson(bundleFile, bundle);
  const install = ['provision', 'install', bundleFile, ...P];
  t.match(await ok(t, install), { ok: true, terminalId: 'T-E2E' });

  await scanner.start();
  const printerPort = await printer.start();
  const devices = ['provision', 'devices', '--scanner', scanner.path, '--printer', `tcp:127.0.0.1:${printerPort}`, '--display', 'emulator', ...P];
  t.match(await ok(t, devices), {
    devices: { scanner: { type: 'serial', path: scanner.path }, printer: { type: 'tcp', host: '127.0.0.1', port: printerPort }, display: { type: 'emulator' } },
  });

  // What provisioning does not set: the control socket (here in the temp dir). A technician's own edit.
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, Record<string, unknown>>;
  t.same(config.identity, {
    keyFile: path.join(stateDir, 'terminal.key'),
    certFile: path.join(stateDir, 'terminal.cert'),
    trustListFile: path.join(stateDir, 'trust.list'),
    rootKeyFile: path.join(stateDir, 'root.pub'),
    // Every bundle carries a freshly signed deny list, so a new terminal does not count its age from the trust list.
    denylistFile: path.join(stateDir, 'denylist.msg'),
  });
  t.same(config.terminal, { id: 'T-E2E', mode: 'merchant', merchantId: 'M-CAFE', displayName: 'Café E2E' });
  t.same(config.database, { path: path.join(stateDir, 'terminal.db') });
  const socket = path.join(dir, 'control.sock');
  fs.writeFileSync(configFile, `${JSON.stringify({ ...config, api: { socket } }, null, 2)}\n`, { mode: 0o640 });

  t.match(await ok(t, ['config', 'check', ...C, '--json']), { ok: true, config: { api: { allowScanInjection: false } } }, 'tessera config check passes');
  const check = await tessera(['provision', 'check', ...P]);
  const items = Object.fromEntries((JSON.parse(check.stdout) as { checks: { id: string; status: string; detail: string }[] }).checks.map((c) => [c.id, c]));
  for (const id of ['config', 'key', 'trust-list', 'clock', 'certificate', 'scanner', 'printer', 'printer-status', 'display', 'display-draw', 'disk']) {
    t.equal(items[id]?.status, 'ok', `check ${id}: ${items[id]?.detail}`);
  }
  t.match(items['printer-status']?.detail, /paper ok/, 'the printer answered an ESC/POS status query');

  // Every step again: nothing changes (the read-only ones side by side, to keep the test short).
  const before = snapshot([path.dirname(configFile), stateDir]);
  for (const args of [init, install, devices]) t.same((await ok<{ changed: string[] }>(t, args)).changed, [], `${args[1]} again changes nothing`);
  const [again, checkAgain] = await Promise.all([ok<{ request: string; changed: string[] }>(t, request), tessera(['provision', 'check', ...P])]);
  t.same(again.changed, [], 'request writes nothing');
  t.same((JSON.parse(checkAgain.stdout) as { changed: string[] }).changed, [], 'check writes nothing');
  t.same(snapshot([path.dirname(configFile), stateDir]), before, 'no file changed on the repeated run');

  // The daemon, as systemd would run it.
  const api = new ApiClient({ socketPath: socket }, 5_000);
  let stderr = '';
  const startDaemon = async (): Promise<{ child: ChildProcess; exited: Promise<number | null> }> => {
    const child = spawn(process.execPath, [CLI, 'daemon', ...C], { stdio: ['ignore', 'ignore', 'pipe'], env: ENV });
    children.add(child);
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const status = await until('the daemon to answer', () => api.call<DaemonStatus>('GET', '/v1/status'));
    t.match(status, { terminalId: 'T-E2E', merchantId: 'M-CAFE', mode: 'merchant', ready: true }, `daemon ready (${stderr})`);
    t.match(status.devices, { scanner: { state: 'connected' } }, 'the serial scanner is open');
    return { child, exited };
  };
  let daemon = await startDaemon();

  // A customer with a purse pays 4.50 by showing the wallet's QR to the scanner.
  await bo.createAccount('carol');
  await bo.fund('carol', 10_000);
  const wallet = Wallet.create(path.join(dir, 'wallet'));
  const { file } = await bo.issuePurse({ account: 'carol', walletKey: wallet.publicKey, cap: 3_000, perPaymentLimit: 1_000, days: 10 });
  wallet.importPurse(JSON.stringify(file));

  const charged = await ok<PaymentState>(t, ['charge', '4.50', ...C, '--json']);
  t.match(charged, { status: 'pending', amount: 450, currency: 'EUR' });
  const shown = await ok<DaemonStatus>(t, ['status', ...C, '--json']);
  t.equal(shown.payment?.requestQr, charged.requestQr, 'status shows the open request');
  const pay1 = await wallet.payMerchant(shown.payment!.requestQr);
  t.match(pay1.merchant, { terminalId: 'T-E2E', merchantId: 'M-CAFE', displayName: 'Café E2E' }, 'the wallet verified the terminal');
  await scanner.present(pay1.text);
  const approved = await until('payment 1 approved', async () => {
    const p = await api.call<PaymentState>('GET', `/v1/payments/${charged.id}`);
    return p.status === 'approved' && p.receipt?.status === 'printed' ? p : undefined;
  });
  t.equal(approved.txId, pay1.txId);
  t.ok(printer.bytes().length > 0, 'the receipt went to the TCP printer');
  const list1 = await ok<{ transactions: TransactionJson[] }>(t, ['tx', 'list', ...C, '--json']);
  t.match(list1.transactions, [{ index: 1, txId: pay1.txId, decision: 'approved', amount: 450 }]);

  // Payment 2: the code is on the wire when systemd stops the service.
  const charged2 = await ok<PaymentState>(t, ['charge', '2.00', ...C, '--json']);
  const pay2 = await wallet.payMerchant(charged2.requestQr);
  await scanner.present(pay2.text);
  daemon.child.kill('SIGTERM');
  t.equal(await daemon.exited, 0, 'SIGTERM stops the daemon cleanly');

  daemon = await startDaemon();
  const verify = await tessera(['verify-journal', ...C, '--json']);
  t.equal(verify.code, 0, verify.stderr);
  t.match(JSON.parse(verify.stdout), { ok: true });
  const rows = (await ok<{ transactions: TransactionJson[] }>(t, ['tx', 'list', '-n', '100', ...C, '--json'])).transactions;
  const approvedRows = rows.filter((r) => r.decision === 'approved');
  t.equal(approvedRows.filter((r) => r.txId === pay1.txId).length, 1, 'payment 1 is in the journal exactly once');
  const second = approvedRows.filter((r) => r.txId === pay2.txId).length;
  t.ok(second <= 1, 'payment 2 is in the journal at most once');
  t.comment(second === 1 ? 'payment 2 was decided before the daemon stopped' : 'payment 2 was not read before the daemon stopped');
  t.equal(new Set(approvedRows.map((r) => r.txId)).size, approvedRows.length, 'no approved payment twice');

  // The same code presented again after the restart charges nothing twice.
  const charged3 = await api.call<PaymentState>('POST', '/v1/payments', { amount: 200 });
  await scanner.present(pay2.text);
  const counters = await until('the replayed code to be decided', async () => {
    const c = (await api.call<DaemonStatus>('GET', '/v1/status')).counters;
    return c.scans > 0 ? c : undefined;
  });
  // Either way it is declined: a paid code shown while a new request is open is WRONG_REQUEST, never "Already paid" (protocol.md §8.3).
  t.equal(counters.declined, 1, second === 1 ? 'a code already paid, shown while a new request is open, is declined' : 'a code for a request that died with the old process is declined');
  t.equal(counters.rereads, 0, 'no re-read screen while a new request is open');
  t.equal((await api.call<PaymentState>('GET', `/v1/payments/${charged3.id}`)).status, 'pending', 'and pays nothing on the new request');
  const after = (await api.call<{ transactions: TransactionJson[] }>('GET', '/v1/transactions?limit=100')).transactions;
  t.equal(after.filter((r) => r.decision === 'approved' && r.txId === pay2.txId).length, second, 'still at most once');

  daemon.child.kill('SIGTERM');
  t.equal(await daemon.exited, 0);
  t.match(JSON.parse((await tessera(['verify-journal', ...C, '--json'])).stdout), { ok: true, records: after.length });
});
