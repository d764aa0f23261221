// Cold start to ready: spawn the compiled `tessera daemon` → READY=1 on NOTIFY_SOCKET → first scan approved, against `node -e 0`.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createFramebufferEmulator, startPtyPair } from '#drivers';
import { createTerminalWorld, type Purse } from '#terminal/testkit';
import { type BenchRow, pct } from './types.js';

const ROUNDS = 7;
/** Extra node flags for the daemon, to profile what it does at start: TESSERA_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/p'. */
const nodeArgs = (process.env.TESSERA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const TARGET_MS = 500;
const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const MAIN = resolve(here, '../terminal/cli/main.js');

// Receives datagrams as systemd does: closes the BARRIER=1 fd (releasing systemd-notify) and prints each message.
const LISTENER = `
import socket, sys, os, array
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64 * 4))
    for lvl, typ, data in anc:
        if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds = array.array('i'); fds.frombytes(data[:len(data) - len(data) % 4])
            for fd in fds: os.close(fd)
    for line in msg.decode().split("\\n"):
        print(line, flush=True)
`;

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((res) => (child.exitCode !== null ? res(child.exitCode) : child.once('exit', (code) => res(code))));
}

/** Starts the listener; `next(line)` resolves when it prints that exact line. */
async function notifyListener(socketPath: string): Promise<{ child: ChildProcess; next(line: string): Promise<number> }> {
  const child = spawn('python3', ['-c', LISTENER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const waiters: { line: string; resolve: (t: number) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const t = performance.now();
    for (const w of waiters.filter((x) => x.line === l)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(t);
    }
  });
  const next = (line: string) => bounded(new Promise<number>((r) => waiters.push({ line, resolve: r })), 20_000, `no ${line}`);
  await next('listening');
  return { child, next };
}

function postScan(socketPath: string, code: string): Promise<{ outcome: string; reason?: string }> {
  return new Promise((res, rej) => {
    const body = JSON.stringify({ code });
    const req = request({ socketPath, path: '/v1/scan', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (r) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => {
        try {
          res(JSON.parse(text) as { outcome: string; reason?: string });
        } catch (e) {
          rej(e as Error);
        }
      });
    });
    req.on('error', rej);
    req.end(body);
  });
}

/** CPU time (user + system) a process has used so far, from /proc/PID/stat: less sensitive to neighbours than wall time. */
function cpuMs(pid: number, readFileSync: (p: string, enc: 'utf8') => string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
}
// USER_HZ: 100 on every Linux build Node supports (the kernel ABI fixes it for /proc), so 10 ms resolution.
const TICKS_PER_SECOND = 100;

async function nodeBaseline(): Promise<number> {
  const t0 = performance.now();
  const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await bounded(exited(c), 20_000, 'node -e 0 did not exit');
  return performance.now() - t0;
}

export async function run(): Promise<BenchRow[]> {
  const tw = await createTerminalWorld({ mode: 'transit', seed: 'coldstart', now: Math.floor(Date.now() / 1000) });
  const kids: ChildProcess[] = [];
  let pty: { stop(): Promise<void> | void } | undefined;
  try {
    // A field-shaped validator: serial scanner on a pty, framebuffer panel; the fare config is already installed.
    const p = await startPtyPair(join(tw.dir, 'scanner'), join(tw.dir, 'scanner-peer'));
    pty = p;
    const fb = createFramebufferEmulator(tw.dir, { width: 480, height: 320, bitsPerPixel: 16 });
    const { writeFileSync, readFileSync } = await import('node:fs');
    const cfg = JSON.parse(readFileSync(tw.configPath, 'utf8')) as Record<string, unknown>;
    cfg.api = { ...(cfg.api as object), allowScanInjection: true };
    cfg.devices = { scanner: { type: 'serial', path: join(tw.dir, 'scanner') }, display: { type: 'framebuffer', device: fb.device, sysfsRoot: fb.sysfsRoot } };
    cfg.log = { level: process.env.TESSERA_BENCH_LOG_LEVEL ?? 'warn' };
    writeFileSync(tw.configPath, JSON.stringify(cfg, null, 2));
    const setup = tw.daemon({ api: false });
    await setup.start();
    const applied = await setup.checkout!.scan(await tw.fareConfig(1));
    await setup.stop();
    if (applied.outcome !== 'fleet-applied') throw new Error(`fare config not applied: ${applied.reason ?? ''}`);
    const purses: Purse[] = [];
    for (let i = 0; i < ROUNDS; i++) purses.push(await tw.world.purse({ seed: `cold-${i}` }));

    const notifyPath = join(tw.dir, 'notify.sock');
    const listener = await notifyListener(notifyPath);
    kids.push(listener.child);
    const ready: number[] = [];
    const scanned: number[] = [];
    const base: number[] = [];
    const rss: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      base.push(await nodeBaseline());
      const code = await tw.transitPayment(purses[r]!);
      const t0 = performance.now();
      const readyAt = listener.next('READY=1');
      const child = spawn(process.execPath, [...nodeArgs, MAIN, 'daemon', '--config', tw.configPath], { stdio: ['ignore', process.env.TESSERA_BENCH_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'], env: { ...process.env, NOTIFY_SOCKET: notifyPath } });
      kids.push(child);
      const tReady = await readyAt;
      cpu.push(cpuMs(child.pid!, readFileSync));
      const d = await bounded(postScan(tw.config.api.socket, code), 20_000, 'no answer to the first scan');
      const tScan = performance.now();
      if (d.outcome !== 'approved') throw new Error(`first scan after start: ${d.outcome} ${d.reason ?? ''}`);
      ready.push(tReady - t0);
      scanned.push(tScan - t0);
      const status = readFileSync(`/proc/${child.pid!}/status`, 'utf8');
      rss.push(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
      child.kill('SIGTERM');
      await bounded(exited(child), 20_000, 'daemon did not stop on SIGTERM');
    }
    const med = (xs: number[]) => pct(Float64Array.from(xs).sort(), 50);
    const nodeMs = med(base);
    const row = (name: string, v: number): BenchRow => ({ name, value: v, unit: 'ms', floor: nodeMs, floorName: 'node -e 0 (spawn → exit), median', ratio: v / nodeMs, target: TARGET_MS, pass: v <= TARGET_MS });
    return [
      row(`cold start: spawn → READY=1 (median of ${ROUNDS}; transit, serial scanner on a pty, framebuffer)`, med(ready)),
      row(`cold start: spawn → first scan approved (POST /v1/scan), median of ${ROUNDS}`, med(scanned)),
      { name: 'daemon CPU time (utime+stime) when READY=1 arrived (median)', value: Math.round(med(cpu)), unit: 'ms' },
      { name: 'daemon RSS after start and its first scan (median)', value: Math.round(med(rss) * 10) / 10, unit: 'MB' },
    ];
  } finally {
    for (const k of kids) if (k.exitCode === null && k.signalCode === null) k.kill('SIGKILL');
    await pty?.stop();
    tw.cleanup();
  }
}
