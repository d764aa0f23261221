import t, { type Test } from 'tap';
import { TesseraError } from '#common';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn as nodeSpawn } from 'node:child_process';
import { FLEET_KIND, fromHex, signObject, toQrText, type Signer } from '#protocol';
import { createTerminalWorld, type TerminalWorld, type TerminalWorldOptions } from './testing.js';
import { processMemory, type Daemon, type ExtraComponent, type NotifierLike } from './daemon.js';
import { Notifier, type NotifySpawn, type TimerSeam } from './sd-notify.js';
import { readInstalledFiles } from '../checkout/identity.js';
import { statusText } from '../cli/format.js';
import { verifyJournal } from '../store/index.js';

const DAY_MS = 86_400_000;

/** Polls `f` every 10 ms until true; fails after 10 s. */
async function until(f: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!f()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 10 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function world(t: Test, o: TerminalWorldOptions = {}): Promise<TerminalWorld> {
  const tw = await createTerminalWorld(o);
  t.teardown(() => tw.cleanup());
  return tw;
}

async function start(t: Test, tw: TerminalWorld, o: Parameters<TerminalWorld['daemon']>[0] = {}): Promise<Daemon> {
  const d = tw.daemon({ api: false, ...o });
  await d.start();
  t.teardown(() => d.stop());
  return d;
}

t.test('replay is rejected across a daemon restart; the journal survives intact', async (t) => {
  const tw = await world(t);
  const purse = await tw.world.purse();
  const d1 = await start(t, tw);
  await d1.checkout!.startPayment({ amount: 450 });
  const first = await tw.merchantPayment(d1, purse);
  t.match(await tw.scan(d1, first), { outcome: 'approved' });
  await d1.stop();

  const d2 = await start(t, tw);
  t.equal(d2.store!.journalHead, 1);
  await d2.checkout!.startPayment({ amount: 450 });
  const replay = await tw.merchantPayment(d2, purse, { seq: 1, cumulative: 900 });
  t.match(await tw.scan(d2, replay), { outcome: 'declined', reason: 'SEQUENCE_REPLAY', journaled: true });
  t.match(await tw.scan(d2, first), { outcome: 'declined', reason: 'WRONG_REQUEST' }, 'the original code is not the open request’s payment');
  t.match(await tw.scan(d2, await tw.merchantPayment(d2, purse, { seq: 2, cumulative: 900 })), { outcome: 'approved' });
  t.match(await tw.scan(d2, first), { outcome: 'reread' }, 'with no request open it is recognised, not charged');
  t.same(d2.store!.purseState(purse.cert.purseId), { lastSeq: 2, lastCumulative: 900 });
  t.same(d2.store!.purseTotals(purse.cert.purseId), { totalCharged: 900, payments: 2 });
  t.ok(verifyJournal(d2.store!.handle, d2.identity!.signer.publicKey).ok);
});

t.test('a clock set back by a day: CLOCK_UNTRUSTED, never a silent accept; trusted again when it catches up', async (t) => {
  const tw = await world(t);
  const purse = await tw.world.purse();
  const d = await start(t, tw);
  await d.checkout!.startPayment({ amount: 450 });
  t.match(await tw.scan(d, await tw.merchantPayment(d, purse)), { outcome: 'approved' });
  await d.checkout!.startPayment({ amount: 450 });
  const code = await tw.merchantPayment(d, purse, { seq: 2, cumulative: 900 });
  const now = tw.clock.now();
  tw.clock.setWall(now - DAY_MS);
  t.match(await tw.scan(d, code), { outcome: 'declined', reason: 'CLOCK_UNTRUSTED', journaled: true });
  t.match(d.status(), { ready: false, notReady: 'clock not trusted', clock: { trusted: false } });
  d.checkout!.cancel();
  await t.rejects(d.checkout!.startPayment({ amount: 100 }), { code: 'TERMINAL_NOT_READY' });
  t.match(tw.display.last, { kind: 'out-of-order', why: 'clock not trusted' });
  await d.stop();

  // A restart with the clock still behind keeps refusing (the high-water mark is persisted).
  const d2 = await start(t, tw);
  t.match(d2.status().clock, { trusted: false });
  tw.clock.setWall(now + 1000);
  t.match(d2.status(), { ready: true, clock: { trusted: true } });
  await d2.checkout!.startPayment({ amount: 450 });
  t.match(await tw.scan(d2, await tw.merchantPayment(d2, purse, { seq: 2, cumulative: 900 })), { outcome: 'approved' });
});

t.test('a clock that jumped 200 days ahead and was corrected: untrusted until a newly applied signed message proves the present', async (t) => {
  const tw = await world(t);
  const purse = await tw.world.purse();
  const fleet = async (version: number, issuedAtMs: number): Promise<string> =>
    toQrText('FLEET_MESSAGE', await signObject('FLEET_MESSAGE', { kind: FLEET_KIND.denylist, version, issuedAt: Math.floor(issuedAtMs / 1000), denylist: [] }, tw.world.issuer));
  const d = await start(t, tw);
  t.match(await tw.scan(d, await fleet(1, tw.clock.now())), { outcome: 'fleet-applied' });
  const now = tw.clock.now();
  tw.clock.setWall(now + 200 * DAY_MS);
  // The lists look 200 days old, so no request can open; the scan is still declined and journaled at the wrong time.
  t.match(await tw.scan(d, await tw.merchantPayment(d, purse)), { journaled: true }, 'a decision recorded at the wrong time');
  d.trustedClock!.checkpoint();
  tw.clock.setWall(now + 60_000);
  t.match(d.status(), { ready: false, notReady: 'clock not trusted' }, 'corrected clock: behind the mark');

  t.match(await tw.scan(d, await fleet(1, now)), { outcome: 'declined', reason: 'ROLLBACK' }, 'an applied message is no proof');
  await d.stop();
  const d2 = await start(t, tw);
  t.match(d2.status(), { ready: false, notReady: 'clock not trusted' }, 'a restart alone changes nothing (waiting is no way back: the mark is 200 days ahead)');

  t.match(await tw.scan(d2, await fleet(2, now + 30_000)), { outcome: 'fleet-applied' }, 'the back office’s next message, issued at the present');
  const s = d2.status();
  t.match(s, { ready: true, clock: { trusted: true } }, 'trusted again, no database surgery');
  t.equal(s.clock.highWaterMarkMs, now + 30_000, 'the mark came down to the message’s issue time; the wall clock is ahead of it');
  await d2.checkout!.startPayment({ amount: 450 });
  t.match(await tw.scan(d2, await tw.merchantPayment(d2, purse)), { outcome: 'approved' });
  await d2.stop();
  const d3 = await start(t, tw);
  t.match(d3.status(), { ready: true }, 'the way back survives a restart: rows from the jump no longer hold the mark up');
  t.ok(verifyJournal(d3.store!.handle, d3.identity!.signer.publicKey).ok, 'the journal verifies across the reset');

  // An attacker sets the clock back 10 days and brings a genuine, never-applied message from then.
  tw.clock.setWall(now - 10 * DAY_MS);
  t.match(await tw.scan(d3, await fleet(3, now - 10 * DAY_MS)), { outcome: 'fleet-applied' });
  t.match(d3.status(), { ready: false, clock: { trusted: false } }, 'no way back to before a signed time already seen here');
  t.ok(d3.store!.timeHighWaterMark() >= now + 30_000);
});

t.test('a decision that hangs without blocking the event loop: watchdog pings stop, so systemd restarts the daemon', async (t) => {
  const tw = await world(t);
  const files = readInstalledFiles(tw.config.identity);
  // The terminal key's signer stands in for a key store that stops answering (a hung secure element).
  const gate: { stuck: boolean; release: () => void } = { stuck: false, release: () => {} };
  const held = new Promise<void>((r) => (gate.release = r));
  const real = files.signer;
  const signer: Signer = { publicKey: real.publicKey, kid: real.kid, sign: async (m) => (gate.stuck && (await held), real.sign(m)) };
  let tick: (() => void) | undefined;
  const timers: TimerSeam = { setInterval: (fn) => ((tick = fn), 'watchdog'), clearInterval: () => undefined };
  const sent: string[] = [];
  const spawn: NotifySpawn = (_c, args) => {
    sent.push(args.join(' '));
    return nodeSpawn('true', [], { stdio: 'ignore' });
  };
  const notifier = new Notifier({ env: { NOTIFY_SOCKET: '/nonexistent/notify', WATCHDOG_USEC: '2000000' }, spawn, timers });
  const d = await start(t, tw, { files: { ...files, signer }, notifier, stuckDecisionMs: 200 });
  const pings = async (): Promise<number> => {
    tick?.();
    await notifier.send([]); // the queue: every message before this one is out
    return sent.filter((m) => m === 'WATCHDOG=1').length;
  };
  t.equal(await pings(), 1, 'a healthy daemon pings');
  await d.checkout!.startPayment({ amount: 450 });
  gate.stuck = true;
  const decision = tw.scan(d, await tw.merchantPayment(d, await tw.world.purse()), 20_000);
  await until(() => d.checkout!.decidingForMs() > 250);
  t.match(d.status(), { unhealthy: /a decision has been running for \d+ s \(limit 0.2 s\)/ }, 'status says why');
  t.match(statusText(d.status()), /^Terminal .* · UNHEALTHY: a decision has been running for/m, 'tessera status too');
  t.equal(await pings(), 1, 'no ping while the decision is stuck');
  t.equal(await pings(), 1, 'still none');
  t.ok(sent.some((m) => m.startsWith('STATUS=unhealthy: a decision has been running')), 'systemctl status shows why');
  gate.release();
  t.match(await decision, { outcome: 'approved' });
  t.equal(d.status().unhealthy, undefined);
  t.equal(await pings(), 2, 'pings resume once it finished (had systemd not restarted it by then)');
});

t.test('device status: a device that failed to open is an error with its reason, one not configured is absent; payments go on', async (t) => {
  const tw = await world(t);
  const d = await start(t, tw, {
    devices: {
      scanner: async () => tw.scanner,
      display: async () => {
        throw new TesseraError('DISPLAY_UNSUPPORTED', 'fb1: 24 bits per pixel is not supported');
      },
      printer: async () => undefined,
    },
  });
  t.same(d.deviceStatus(), {
    scanner: { state: 'connected' },
    display: { state: 'error', code: 'DISPLAY_UNSUPPORTED', detail: 'fb1: 24 bits per pixel is not supported' },
    printer: { state: 'absent' },
  });
  await d.checkout!.startPayment({ amount: 450 });
  t.match(await tw.scan(d, await tw.merchantPayment(d, await tw.world.purse())), { outcome: 'approved' });
});

t.test('storage full: declined STORAGE_FAILED, the display says so, nothing recorded is lost', async (t) => {
  const tw = await world(t);
  const purse = await tw.world.purse({ cap: 1_000_000, perPaymentLimit: 100_000 });
  const d = await start(t, tw, {});
  const store = d.store!;
  let seq = 0;
  let cum = 0;
  const pay = async () => {
    await d.checkout!.startPayment({ amount: 10 });
    seq++;
    cum += 10;
    return tw.scan(d, await tw.merchantPayment(d, purse, { seq, cumulative: cum }));
  };
  for (let i = 0; i < 3; i++) t.match(await pay(), { outcome: 'approved' });
  store.handle.pragma(`max_page_count = ${Number(store.handle.pragma('page_count', { simple: true }))}`);
  let failed;
  for (let i = 0; i < 300 && !failed; i++) {
    const dec = await pay();
    if (dec.outcome !== 'approved') failed = dec;
  }
  t.match(failed, { outcome: 'declined', reason: 'STORAGE_FAILED', journaled: false });
  t.match(tw.display.screens.at(-2), { kind: 'declined', code: 'STORAGE_FAILED', reason: 'Storage error' });
  t.equal(d.status().counters.storageFailures > 0, true);
  const head = store.journalHead;
  t.equal(store.findApproved(fromHex(failed!.txId!)), undefined, 'the failed payment is not approved anywhere');
  t.same(d.checkout!.current()?.status, 'pending', 'the request stays open to retry');
  store.handle.pragma('max_page_count = 1073741823');
  d.checkout!.cancel();
  await d.stop();
  const d2 = await start(t, tw);
  t.equal(d2.store!.journalHead, head, 'every committed record is still there');
  t.ok(verifyJournal(d2.store!.handle, d2.identity!.signer.publicKey).ok);
  t.equal(d2.store!.purseTotals(purse.cert.purseId).payments, head);
});

t.test('a corrupt database: the daemon refuses to start and leaves the file untouched', async (t) => {
  const tw = await world(t);
  const d = await start(t, tw);
  await d.stop();
  const path = tw.config.database.path;
  const bytes = readFileSync(path);
  bytes.fill(0x5a, 100, 4096 * 2);
  writeFileSync(path, bytes);
  const before = createHash('sha256').update(readFileSync(path)).digest('hex');
  const d2 = tw.daemon({ api: false });
  await t.rejects(d2.start(), { code: 'DB_CORRUPT' });
  t.equal(createHash('sha256').update(readFileSync(path)).digest('hex'), before, 'file untouched');
});

t.test('offline risk limits: per purse, since last sync, time offline (lower / refuse), stale trust', async (t) => {
  const tw = await world(t, { config: { limits: { maxPerPurseOffline: 700, maxUnsyncedPayments: 3, maxOfflineHours: 24, afterMaxOffline: 'lower', lowerPaymentLimit: 300 } } });
  const d = await start(t, tw);
  const co = d.checkout!;
  const a = await tw.world.purse({ seed: 'a' });
  const b = await tw.world.purse({ seed: 'b' });
  const pay = async (purse: typeof a, amount: number, seq: number, cumulative: number) => {
    await co.startPayment({ amount });
    const dec = await tw.scan(d, await tw.merchantPayment(d, purse, { amount, seq, cumulative }));
    if (co.current()) co.cancel();
    return dec;
  };
  t.match(await pay(a, 400, 1, 400), { outcome: 'approved' });
  t.match(await pay(a, 400, 2, 800), { outcome: 'declined', reason: 'TERMINAL_LIMIT', detail: /purse/ }, 'per purse at this terminal');
  t.match(await pay(b, 100, 1, 100), { outcome: 'approved' });
  t.match(await pay(b, 100, 2, 200), { outcome: 'approved' });
  t.match(await pay(b, 100, 3, 300), { outcome: 'declined', reason: 'TERMINAL_LIMIT', detail: /not yet synced/ }, 'payments since last sync');
  await d.store!.ack(d.store!.journalHead, tw.clock.now());
  t.match(await pay(b, 100, 3, 300), { outcome: 'approved' }, 'a sync resets the counters');
  tw.clock.advance(25 * 3_600_000);
  t.match(await pay(b, 400, 4, 700), { outcome: 'declined', reason: 'TERMINAL_LIMIT', detail: /offline/ }, 'offline too long: lowered limit');
  t.match(await pay(b, 200, 4, 500), { outcome: 'approved' }, 'small payments still pass');
  // No deny list installed: the trust list's age (a day at install) counts against the deny-list limit (72 h).
  t.match(d.status(), { ready: true, freshness: { denylist: { installed: false, state: 'fresh' } } });
  tw.clock.advance(10 * 3_600_000);
  t.match(d.status(), { ready: true, freshness: { trust: { state: 'fresh' }, denylist: { state: 'stale-soon', maxAgeHours: 72 } } }, 'less than a quarter of the age left: status warns');
  t.match(statusText(d.status()), /^Freshness +trust list [\d.]+ h old \(max 4320 h\) · no deny list: trust list STALE SOON \(59 h old, max 72 h; declines as TRUST_STALE from \S+, in 13\.0 h\)$/m, 'tessera status says so');
  t.match(await pay(b, 100, 5, 600), { outcome: 'approved' }, 'and payments still pass');
  tw.clock.advance(7 * DAY_MS);
  t.match(d.status(), { ready: false, notReady: /deny list is .* h old/, freshness: { denylist: { state: 'stale' } } }, 'status does not claim ready while every payment would be TRUST_STALE');
  t.match(statusText(d.status()), /^Terminal .* NOT READY: deny list is [\d.]+ h old \(max 72 h\)$/m);
  t.match(statusText(d.status()), /STALE \([\d.]+ h old, max 72 h\): every payment is declined until a newer one arrives/);
  await t.rejects(co.startPayment({ amount: 100 }), { code: 'TERMINAL_NOT_READY', message: /deny list/ }, 'no payment request is started');
});

t.test('refuse policy past the offline limit; an expired terminal certificate is NOT_READY', async (t) => {
  const tw = await world(t, { config: { limits: { maxOfflineHours: 1, afterMaxOffline: 'refuse' } }, certValidity: { notAfter: 1_800_000_000 + 2 * 3600 } });
  const d = await start(t, tw);
  const purse = await tw.world.purse();
  tw.clock.advance(90 * 60_000);
  await d.checkout!.startPayment({ amount: 10 });
  t.match(await tw.scan(d, await tw.merchantPayment(d, purse, { amount: 10, cumulative: 10 })), { outcome: 'declined', reason: 'TERMINAL_LIMIT', detail: /offline for/ });
  const code = await tw.merchantPayment(d, purse, { amount: 10, cumulative: 10, seq: 2 });
  tw.clock.advance(60 * 60_000);
  t.match(await tw.scan(d, code), { outcome: 'declined', reason: 'NOT_READY', journaled: true });
  t.match(d.status(), { ready: false, notReady: 'terminal certificate expired' });
});

t.test('extra components and the notifier follow the daemon lifecycle', async (t) => {
  const tw = await world(t);
  const calls: string[] = [];
  const sync: ExtraComponent = { name: 'sync', start: () => calls.push('sync.start'), stop: () => calls.push('sync.stop'), status: () => ({ state: 'online' }) };
  const notifier: NotifierLike = {
    ready: (s) => calls.push(`ready:${s ?? ''}`),
    stopping: () => calls.push('stopping'),
    status: (s) => calls.push(`status:${s}`),
    startWatchdog: () => calls.push('watchdog'),
  };
  const d = tw.daemon({ api: false, notifier, components: (ctx) => (t.equal(ctx.identity.terminalId, 'T-0001'), [sync]) });
  await d.start();
  t.match(d.status().components, { sync: { state: 'online' } });
  t.match(d.status().devices, { scanner: { state: 'connected' }, display: { state: 'connected' }, printer: { state: 'connected' } });
  await d.stop();
  t.same(calls, ['sync.start', 'ready:merchant terminal T-0001 ready', 'watchdog', 'stopping', 'sync.stop']);
});

t.test('a key that does not match the certificate, or a broken trust list, stops the start with a clear error', async (t) => {
  const tw = await world(t);
  writeFileSync(tw.config.identity.trustListFile, 'TL1:NOTBASE45');
  await t.rejects(tw.daemon({ api: false }).start(), { code: 'KEY_INVALID' });
  const tw2 = await world(t, { seed: 'other' });
  writeFileSync(tw2.config.identity.certFile, readFileSync(tw.config.identity.certFile));
  await t.rejects(tw2.daemon({ api: false }).start(), { code: 'KEY_INVALID' });
});

t.test("status reports the daemon's memory: injected figures as given, else this process's own", async (t) => {
  const tw = await world(t);
  const figures = { rssMb: 78.4, heapUsedMb: 15.2, heapLimitMb: 132 };
  const d = await start(t, tw, { memory: () => figures });
  t.same(d.status().memory, figures);
  t.match(statusText(d.status()), /^Memory +RSS 78\.4 MB · heap 15\.2 MB of 132 MB$/m, 'tessera status shows it');
  const own = processMemory();
  t.ok(own.rssMb > own.heapUsedMb && own.heapUsedMb > 0, `RSS ${own.rssMb} MB holds the heap in use, ${own.heapUsedMb} MB`);
  t.ok(own.heapLimitMb >= own.heapUsedMb, `heap limit ${own.heapLimitMb} MB`);
});
