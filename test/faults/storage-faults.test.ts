// Storage faults at start: a full disk (a real 1 MiB tmpfs filled to the last byte) shows and reports STORAGE_FAILED (API, CLI, retained MQTT status) until space returns; a deleted journal is refused, never restarted empty.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { topics } from '#protocol';
import { ApiClient, type Decision } from '#terminal';
import { RecordingDisplay, ScannerDouble, createTerminalWorld } from '../../terminal/daemon/testing.js';
import { createDatabase } from '../../terminal/store/index.js';
import { startMosquitto } from '../support/mosquitto.js';
import { DaemonChild, until } from './harness.js';

/** A 1 MiB tmpfs (mounting needs root, as the rest of the fault suite's disk tests). */
function smallDisk(t: Test): string {
  const mnt = mkdtempSync(join(tmpdir(), 'tessera-small-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'ignore' });
  t.teardown(() => {
    execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
    rmSync(mnt, { recursive: true, force: true });
  });
  return mnt;
}

/** Fills the filesystem to the last byte; returns the filler to remove when space should return. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' });
  } catch {
    // dd stops with ENOSPC: the disk is full, as intended
  }
  return filler;
}

t.test('started on a full disk (in-process): out of order STORAGE_FAILED on the display and in status, declines, then approvals once space returns', async (t) => {
  const disk = smallDisk(t);
  const tw = await createTerminalWorld({ mode: 'transit', terminalId: 'T-FULL', config: { database: { path: join(disk, 'terminal.db') } } });
  t.teardown(() => tw.cleanup());
  const purse = await tw.world.purse({ cap: 1_000_000, perPaymentLimit: 1_000 });
  // Its own scanner: the world's scanner is for the daemon started on the full disk.
  const firstScanner = new ScannerDouble();
  const first = tw.daemon({ api: false, devices: { scanner: async () => firstScanner, display: async () => new RecordingDisplay() } });
  await first.start();
  t.ok(first.applyUpdate(await tw.fareConfig(1)).ok);
  const firstDecision = first.checkout!.bus.next('decision');
  firstScanner.present(await tw.transitPayment(purse, { seq: 1, cumulative: 300 }));
  t.match(await firstDecision, { outcome: 'approved' });
  // Not stopped: its WAL and shared-memory files stay, as a power cut leaves them.
  t.teardown(() => first.stop());

  const filler = fill(disk);
  tw.clock.advance(120_000); // the start-up writes (time mark) have something new to write
  const d = tw.daemon({ api: false });
  await d.start(); // today: rejects with "database or disk is full"
  t.teardown(() => d.stop());
  const status = d.status();
  t.match(status, { ready: false, notReady: /^STORAGE_FAILED: database or disk is full/, storage: { ok: false, error: 'STORAGE_FAILED' } });
  t.match(tw.display.last, { kind: 'out-of-order', why: /^STORAGE_FAILED/ }, 'the display says so');
  const declined = await tw.scan(d, await tw.transitPayment(purse, { seq: 2, cumulative: 600 }));
  t.match(declined, { outcome: 'declined', reason: 'STORAGE_FAILED', journaled: false }, 'a payment is declined, not approved without a record');

  rmSync(filler);
  t.match(d.status(), { ready: true, storage: { ok: true } }, 'space back: status is ready again (a probe write commits)');
  const approved = await tw.scan(d, await tw.transitPayment(purse, { seq: 3, cumulative: 600 }));
  t.match(approved, { outcome: 'approved', journaled: true }, 'and payments are approved, no restart needed');
  t.equal(d.store!.journalHead, 2);
});

t.test('power cut with the disk still full: the daemon process starts and stays up reporting STORAGE_FAILED, in its retained MQTT status too (systemd does not loop)', { timeout: 120_000 }, async (t) => {
  const disk = smallDisk(t);
  const broker = await startMosquitto();
  t.teardown(() => broker.close());
  const tw = await createTerminalWorld({
    mode: 'transit',
    now: Math.floor(Date.now() / 1000),
    terminalId: 'T-CUT',
    config: { sync: { brokerUrl: broker.url, reconnectMinMs: 50, reconnectMaxMs: 200, statusIntervalMs: 200 } },
  });
  t.teardown(() => tw.cleanup());
  // The back office's view: the retained status of this terminal, as a fleet dashboard reads it.
  let retained: { storage?: { ok: boolean; error?: string; detail?: string } } | undefined;
  const watch = await mqtt.connectAsync(broker.url, { clientId: 'status-watch', reconnectPeriod: 100 });
  t.teardown(() => watch.endAsync(true));
  watch.on('message', (_topic, payload) => void (payload.length && (retained = JSON.parse(payload.toString()) as typeof retained)));
  await watch.subscribeAsync(topics.status(tw.terminalId), { qos: 1 });
  const input = JSON.parse(readFileSync(tw.configPath, 'utf8')) as Record<string, Record<string, unknown>>;
  input.database = { path: join(disk, 'terminal.db') };
  createDatabase(input.database.path as string);
  input.api = { ...input.api, allowScanInjection: true };
  writeFileSync(tw.configPath, JSON.stringify(input));
  mkdirSync(disk, { recursive: true });
  const api = new ApiClient({ socketPath: tw.config.api.socket }, 10_000);
  const purse = await tw.world.purse({ cap: 1_000_000, perPaymentLimit: 1_000 });
  const scan = async (seq: number): Promise<Decision> => {
    tw.clock.setWall(Date.now());
    return api.call<Decision>('POST', '/v1/scan', { code: await tw.transitPayment(purse, { seq, cumulative: 300 * seq }) });
  };
  const first = new DaemonChild({ configPath: tw.configPath, api }, {});
  t.teardown(() => first.kill());
  await until(async () => (await api.call<{ ready: boolean }>('GET', '/v1/status').catch(() => undefined))?.ready, 15_000, 'the daemon');
  t.match(await api.call('POST', '/v1/fleet', { text: await tw.fareConfig(1) }), { ok: true });
  t.match(await scan(1), { outcome: 'approved' });
  await first.kill('SIGKILL');

  const filler = fill(disk);
  const second = new DaemonChild({ configPath: tw.configPath, api }, {});
  t.teardown(() => second.kill());
  const st = await until(
    async () => {
      if (!second.alive) throw new Error(`the daemon exited on a full disk: ${second.stderr}`);
      return api.call<{ ready: boolean; notReady?: string; storage: { ok: boolean; error?: string } }>('GET', '/v1/status').catch(() => undefined);
    },
    15_000,
    'the daemon on a full disk',
  );
  t.match(st, { ready: false, notReady: /^STORAGE_FAILED/, storage: { ok: false, error: 'STORAGE_FAILED' } });
  const full = await until(() => retained?.storage?.ok === false && retained, 20_000, 'the retained MQTT status on a full disk');
  t.match(full, { state: 'online', storage: { ok: false, error: 'STORAGE_FAILED', detail: /database or disk is full/ } }, 'the retained MQTT status says the disk is full');
  const human = execFileSync(process.execPath, [join(process.cwd(), 'dist/terminal/cli/main.js'), 'status', '--config', tw.configPath]).toString();
  t.match(human, /NOT READY: STORAGE_FAILED/);
  t.match(human, /^Storage\s+STORAGE_FAILED: .*payments declined until it is writable/m);
  t.match(await scan(2), { outcome: 'declined', reason: 'STORAGE_FAILED' });
  t.ok(second.alive, 'still running');
  rmSync(filler);
  t.match(await scan(2), { outcome: 'approved' }, 'space back: approved without a restart');
  t.match(await until(() => retained?.storage?.ok === true && retained, 20_000, 'the retained MQTT status with space back'), { state: 'online', storage: { ok: true } }, 'and the retained MQTT status says so');
  await second.kill('SIGTERM');
  const v = JSON.parse(execFileSync(process.execPath, [join(process.cwd(), 'dist/terminal/cli/main.js'), 'verify-journal', '--json', '--config', tw.configPath]).toString()) as { ok: boolean; records: number };
  t.match(v, { ok: true, records: 2 }, 'the journal verifies, head anchored');
});

t.test('a deleted journal: the daemon refuses to start (DB_MISSING) instead of starting an empty one', async (t) => {
  const tw = await createTerminalWorld({ terminalId: 'T-GONE' });
  t.teardown(() => tw.cleanup());
  for (const suffix of ['', '-wal', '-shm']) rmSync(tw.config.database.path + suffix, { force: true });
  await t.rejects(tw.daemon({ api: false }).start(), { code: 'DB_MISSING' });
  t.notOk(existsSync(tw.config.database.path), 'no new journal was created');
});
