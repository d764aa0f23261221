// Printer down and back, paper out, disk full (a real full filesystem), clock set back, stale trust list: documented behaviour, nothing lost.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TcpPrinterEmulator } from '#drivers';
import { ApiClient, type Decision, type PaymentState } from '#terminal';
import { createTerminalWorld } from '../../terminal/daemon/testing.js';
import { driverDeviceFactory } from '../../terminal/daemon/driver-devices.js';
import { createDatabase, verifyJournal } from '../../terminal/store/index.js';
import { DaemonChild, sleep, until } from './harness.js';

const HOUR = 3_600_000;

t.test('printer unreachable, then out of paper: payments approved, receipts reported failed and kept, never printed on their own', async (t) => {
  const printer = new TcpPrinterEmulator();
  const port = await printer.start();
  t.teardown(() => printer.stop());
  const tw = await createTerminalWorld({ config: { devices: { printer: { type: 'tcp', host: '127.0.0.1', port, statusTimeoutMs: 500 } } } });
  t.teardown(() => tw.cleanup());
  const real = driverDeviceFactory();
  const d = tw.daemon({ api: false, devices: { scanner: async () => tw.scanner, display: async () => tw.display, printer: real.printer! } });
  await d.start();
  t.teardown(() => d.stop());
  const purse = await tw.world.purse();
  let seq = 0;
  const pay = async (): Promise<{ dec: Decision; state: PaymentState }> => {
    const open = await d.checkout!.startPayment({ amount: 100 });
    seq++;
    const dec = await tw.scan(d, await tw.merchantPayment(d, purse, { amount: 100, seq, cumulative: 100 * seq }));
    const state = await until(() => {
      const s = d.checkout!.getPayment(open.id);
      return s?.receipt && s.receipt.status !== 'printing' ? s : undefined;
    }, 15_000, 'the receipt outcome');
    return { dec, state };
  };

  const ok = await pay();
  t.match(ok, { dec: { outcome: 'approved' }, state: { receipt: { status: 'printed' } } });
  const printedBytes = printer.bytes().length;
  t.ok(printedBytes > 0);

  await printer.stop(); // cable pulled / printer switched off
  const down = await pay();
  t.match(down.dec, { outcome: 'approved' }, 'the payment does not depend on the printer');
  t.match(down.state.receipt, { status: 'failed', qrText: /^TR1:/ }, 'receipt reported failed, signed receipt kept for the register');
  await printer.start(port);
  printer.set({ paperOut: true });
  const paper = await pay();
  t.match(paper.dec, { outcome: 'approved' });
  t.match(paper.state.receipt, { status: 'failed', code: 'PRINTER_PAPER_OUT' });
  printer.set({ paperOut: false });
  await sleep(1_000);
  t.equal(printer.bytes().length, printedBytes, 'nothing queued came out by itself when the printer came back');
  const copy = await d.checkout!.reprint(down.dec.txId);
  t.match(copy, { receipt: { status: 'printed' }, journalIndex: down.dec.journalIndex }, 'the operator reprints it on demand');
  t.ok(printer.bytes().length > printedBytes);
  t.equal(d.store!.journalHead, 3, 'three approvals journaled');
});

t.test('clock set back past the high-water mark: CLOCK_UNTRUSTED, not ready; stale trust list: TRUST_STALE; all journaled', async (t) => {
  const tw = await createTerminalWorld({ mode: 'transit', config: { limits: { trustListMaxAgeHours: 48, denylistMaxAgeHours: 48 } } });
  t.teardown(() => tw.cleanup());
  const d = tw.daemon({ api: false });
  await d.start();
  t.teardown(() => d.stop());
  t.ok(d.applyUpdate(await tw.fareConfig(1)).ok);
  const a = await tw.world.purse({ seed: 'a' });
  t.match(await tw.scan(d, await tw.transitPayment(a)), { outcome: 'approved' });

  // A power cut on a Pi without RTC: the clock comes back a day behind.
  const now = tw.clock.now();
  const early = await tw.transitPayment(a, { seq: 2, cumulative: 600 });
  tw.clock.setWall(now - 24 * HOUR);
  t.match(await tw.scan(d, early), { outcome: 'declined', reason: 'CLOCK_UNTRUSTED', journaled: true });
  t.match(d.status(), { ready: false, notReady: 'clock not trusted' });
  t.match(tw.display.last, { kind: 'out-of-order' });
  tw.clock.setWall(now + 1_000);
  t.match(d.status(), { ready: true }, 'trusted again once the clock catches up');

  // The trust list ages past its maximum with no sync: refused with TRUST_STALE.
  tw.clock.advance(49 * HOUR);
  const late = await tw.transitPayment(a, { seq: 3, cumulative: 900 });
  t.match(await tw.scan(d, late), { outcome: 'declined', reason: 'TRUST_STALE', journaled: true });
  const v = verifyJournal(d.store!.handle, d.identity!.signer.publicKey);
  t.match(v, { ok: true, records: 3 }, 'approval and both refusals are in a verifying journal');
});

t.test('disk full under a child daemon (a real full filesystem): declined STORAGE_FAILED, nothing lost, approvals resume once space is back', { timeout: 120_000 }, async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const tw = await createTerminalWorld({ mode: 'transit', now, terminalId: 'T-DISK' });
  t.teardown(() => tw.cleanup());
  const mnt = join(tw.dir, 'small');
  mkdirSync(mnt);
  // A real full filesystem needs a mount, so root (as CI has): without it this test fails rather than pass without checking.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
  t.teardown(() => execFileSync('umount', ['-l', mnt], { stdio: 'ignore' }));
  const input = JSON.parse(readFileSync(tw.configPath, 'utf8')) as Record<string, Record<string, unknown>>;
  const dbPath = join(mnt, 'terminal.db');
  input.database = { path: dbPath };
  createDatabase(dbPath);
  input.api = { ...input.api, allowScanInjection: true };
  writeFileSync(tw.configPath, JSON.stringify(input));
  const api = new ApiClient({ socketPath: tw.config.api.socket }, 10_000);
  const child = new DaemonChild({ configPath: tw.configPath, api }, {});
  t.teardown(() => child.kill());
  await until(async () => (await api.call<{ ready: boolean }>('GET', '/v1/status').catch(() => undefined))?.ready, 15_000, 'the daemon');
  t.match(await api.call('POST', '/v1/fleet', { text: await tw.fareConfig(1) }), { ok: true });
  const purse = await tw.world.purse({ cap: 1_000_000, perPaymentLimit: 1_000 });
  let seq = 0;
  const scan = async (): Promise<Decision> => {
    seq++;
    tw.clock.setWall(Date.now());
    return api.call<Decision>('POST', '/v1/scan', { code: await tw.transitPayment(purse, { seq, cumulative: 300 * seq }) });
  };
  const approved: Decision[] = [];
  for (let i = 0; i < 5; i++) approved.push(await scan());
  t.ok(approved.every((x) => x.outcome === 'approved'));
  // Fill the filesystem to the last byte.
  const filler = join(mnt, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' });
  } catch {
    // dd stops with ENOSPC: the disk is full, as intended
  }
  let failed: Decision | undefined;
  for (let i = 0; i < 400 && !failed; i++) {
    const dec = await scan();
    if (dec.outcome === 'approved') approved.push(dec);
    else failed = dec;
  }
  t.match(failed, { outcome: 'declined', reason: 'STORAGE_FAILED', journaled: false }, 'the payment is declined, not approved without a record');
  t.ok(child.alive, 'the daemon runs on with a full disk');
  rmSync(filler);
  const after = await scan();
  t.match(after, { outcome: 'approved' }, 'space back: the next payment is approved (no restart needed)');
  approved.push(after);
  await child.kill('SIGTERM');
  const v = JSON.parse(execFileSync(process.execPath, [join(process.cwd(), 'dist/terminal/cli/main.js'), 'verify-journal', '--json', '--config', tw.configPath]).toString()) as { ok: boolean; records: number };
  t.match(v, { ok: true }, 'the journal verifies');
  t.ok(v.records >= approved.length, `${approved.length} approvals, ${v.records} records: every approval shown is recorded`);
});
