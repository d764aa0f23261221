// Notifier against a real NOTIFY_SOCKET (a python3 datagram listener) and with the socket unset.
import t from 'tap';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Notifier, type NotifySpawn, type TimerSeam } from './sd-notify.js';

// Receives datagrams like systemd does: closes the BARRIER=1 fd (which releases systemd-notify)
// and prints each message with the sender's PID from SCM_CREDENTIALS as a JSON line.
const LISTENER = `
import socket, sys, os, array, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print(json.dumps({"listening": True}), flush=True)
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64 * 4) + socket.CMSG_SPACE(12))
    for lvl, typ, data in anc:
        if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds = array.array('i'); fds.frombytes(data[:len(data) - len(data) % 4])
            for fd in fds: os.close(fd)
    print(json.dumps({"msg": msg.decode()}), flush=True)
`;

interface Listener {
  socketPath: string;
  messages: string[];
  /** Resolves once `pred` holds over the messages received so far; rejects after 10 s. */
  until(pred: (messages: string[]) => boolean): Promise<string[]>;
}

async function startListener(t: { teardown(fn: () => void): void }): Promise<Listener> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-notify-'));
  const socketPath = join(dir, 'notify.sock');
  const child = spawn('python3', ['-c', LISTENER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const messages: string[] = [];
  const waiters = new Set<() => void>();
  let listening!: () => void;
  const up = new Promise<void>((resolve) => (listening = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const parsed = JSON.parse(line) as { listening?: boolean; msg?: string };
    if (parsed.listening === true) listening();
    // systemd-notify's BARRIER=1 follow-up is protocol plumbing, not one of our messages.
    if (parsed.msg !== undefined && parsed.msg !== 'BARRIER=1') messages.push(parsed.msg);
    for (const w of waiters) w();
  });
  await withTimeout(up, 10_000, 'listener did not start');
  const until = (pred: (m: string[]) => boolean): Promise<string[]> =>
    withTimeout(
      new Promise<string[]>((resolve) => {
        const check = (): void => {
          if (!pred(messages)) return;
          waiters.delete(check);
          resolve(messages);
        };
        waiters.add(check);
        check();
      }),
      10_000,
      `expected messages not seen; got ${JSON.stringify(messages)}`,
    );
  return { socketPath, messages, until };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Real spawn, counting calls. */
function countingSpawn(): { spawn: NotifySpawn; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    spawn: (command: string, args: string[], options: SpawnOptions): ChildProcess => {
      calls.push([command, ...args]);
      return spawn(command, args, options);
    },
  };
}

t.test('messages arrive on a real NOTIFY_SOCKET, in call order', async (t) => {
  const l = await startListener(t);
  const n = new Notifier({ env: { ...process.env, NOTIFY_SOCKET: l.socketPath }, pid: 4242 });
  t.equal(n.enabled, true);
  const sent = await Promise.all([n.ready(), n.status('3 payments\nqueued'), n.watchdog(), n.ready('up\nagain'), n.stopping()]);
  t.same(sent, [true, true, true, true, true], 'systemd-notify reported every message delivered');
  const got = await l.until((m) => m.length >= 5);
  t.same(got, ['MAINPID=4242\nREADY=1', 'STATUS=3 payments queued', 'WATCHDOG=1', 'MAINPID=4242\nREADY=1\nSTATUS=up again', 'STOPPING=1']);
});

t.test('a reload is RELOADING=1 with CLOCK_MONOTONIC in µs (what systemd 253+ checks), then READY=1', async (t) => {
  const l = await startListener(t);
  const n = new Notifier({ env: { ...process.env, NOTIFY_SOCKET: l.socketPath }, pid: 4242 });
  const before = process.hrtime.bigint() / 1000n;
  t.same(await Promise.all([n.reloading(), n.ready('configuration reloaded')]), [true, true]);
  const [reloading, ready] = await l.until((m) => m.length >= 2);
  const m = /^RELOADING=1\nMONOTONIC_USEC=(\d+)$/.exec(reloading ?? '');
  t.ok(m, String(reloading));
  const usec = BigInt(m?.[1] ?? '0');
  t.ok(usec >= before && usec <= process.hrtime.bigint() / 1000n, 'the monotonic clock of the moment it was sent');
  t.equal(ready, 'MAINPID=4242\nREADY=1\nSTATUS=configuration reloaded');
});

t.test('startWatchdog pings the real socket repeatedly at half of WATCHDOG_USEC', async (t) => {
  const l = await startListener(t);
  const n = new Notifier({ env: { ...process.env, NOTIFY_SOCKET: l.socketPath, WATCHDOG_USEC: '100000' } });
  t.teardown(() => n.stopWatchdog());
  t.equal(n.startWatchdog(), 50);
  const got = await l.until((m) => m.filter((x) => x === 'WATCHDOG=1').length >= 3);
  t.ok(got.every((x) => x === 'WATCHDOG=1'));
});

t.test('watchdog interval: half of WATCHDOG_USEC, only for our PID, one timer', async (t) => {
  const intervals: number[] = [];
  const cleared: unknown[] = [];
  const timers: TimerSeam = {
    setInterval: (_fn, ms) => (intervals.push(ms), `timer-${ms}`),
    clearInterval: (h) => void cleared.push(h),
  };
  const base = { NOTIFY_SOCKET: '/nonexistent/notify' };
  const n = new Notifier({ env: { ...base, WATCHDOG_USEC: '30000000', WATCHDOG_PID: '77' }, pid: 77, timers });
  t.equal(n.startWatchdog(), 15_000);
  t.equal(n.startWatchdog(), 15_000, 'a second start keeps the one timer');
  t.same(intervals, [15_000]);
  n.stopWatchdog();
  t.same(cleared, ['timer-15000']);
  t.equal(new Notifier({ env: { ...base, WATCHDOG_USEC: '30000000', WATCHDOG_PID: '78' }, pid: 77, timers }).startWatchdog(), undefined, 'watchdog meant for another PID');
  t.equal(new Notifier({ env: { ...base }, timers }).startWatchdog(), undefined, 'no WATCHDOG_USEC');
  t.equal(new Notifier({ env: { ...base, WATCHDOG_USEC: '0' }, timers }).startWatchdog(), undefined, 'zero');
  t.equal(new Notifier({ env: { WATCHDOG_USEC: '30000000' }, timers }).startWatchdog(), undefined, 'no NOTIFY_SOCKET');
  t.same(intervals, [15_000], 'no other timer was started');
});

t.test('nothing is sent when NOTIFY_SOCKET is unset or empty', async (t) => {
  const l = await startListener(t);
  for (const env of [{ PATH: process.env.PATH }, { PATH: process.env.PATH, NOTIFY_SOCKET: '' }]) {
    const c = countingSpawn();
    const n = new Notifier({ env: { ...env, WATCHDOG_USEC: '100000' }, spawn: c.spawn });
    t.equal(n.enabled, false);
    t.same(await Promise.all([n.ready(), n.watchdog(), n.status('x'), n.stopping()]), [false, false, false, false]);
    t.equal(n.startWatchdog(), undefined);
    t.same(c.calls, [], 'systemd-notify never spawned');
  }
  // Prove the listener works, then that nothing else reached it: a marker is the only message.
  const marker = new Notifier({ env: { ...process.env, NOTIFY_SOCKET: l.socketPath } });
  t.equal(await marker.status('marker'), true);
  t.same(await l.until((m) => m.length >= 1), ['STATUS=marker']);
});

t.test('a failing or missing helper resolves false and never throws', async (t) => {
  const l = await startListener(t);
  const env = { ...process.env, NOTIFY_SOCKET: l.socketPath };
  t.equal(await new Notifier({ env, command: '/nonexistent/systemd-notify' }).ready(), false);
  t.equal(await new Notifier({ env, command: 'false' }).watchdog(), false);
  const hung = new Notifier({ env, command: 'sleep', timeoutMs: 50, spawn: (c, _a, o) => spawn(c, ['30'], o) });
  t.equal(await hung.watchdog(), false, 'a hung helper is killed after timeoutMs');
  const throwing = new Notifier({ env, spawn: () => { throw new Error('EAGAIN'); } });
  t.equal(await throwing.stopping(), false);
  t.same(l.messages, [], 'none of these reached the socket');
});

t.test('watchdog ticks do not pile up behind a slow helper', async (t) => {
  let tick: (() => void) | undefined;
  const timers: TimerSeam = { setInterval: (fn) => ((tick = fn), 'h'), clearInterval: () => undefined };
  const spawned: string[][] = [];
  const slow: NotifySpawn = (_c, args, o) => (spawned.push(args), spawn('sleep', ['30'], o));
  const n = new Notifier({ env: { NOTIFY_SOCKET: '/nonexistent', WATCHDOG_USEC: '1000000' }, spawn: slow, timers, timeoutMs: 100 });
  n.startWatchdog();
  tick?.();
  tick?.();
  tick?.();
  await new Promise((resolve) => setImmediate(resolve));
  t.same(spawned, [['WATCHDOG=1']], 'one ping in flight, the other ticks skipped');
  t.equal(await n.watchdog(), false, 'the hung helper is killed after timeoutMs');
  tick?.();
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(spawned.length, 3, 'pings resume once the slow one is done');
  n.stopWatchdog();
  await n.watchdog(); // queued behind the third: every helper is killed before the test ends
});
