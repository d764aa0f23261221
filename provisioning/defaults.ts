// Default seams for a real terminal: process I/O with readline prompts, a /dev + /sys scan, file/TLS probes, spawn, /etc/passwd.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { systemClock } from '#common';
// Types only: the drivers themselves load on first use, so `tessera status` never pays for serialport.
import type { DeviceList as DriverDeviceList, createDisplay, createPrinter, createScanner, refusal } from '#drivers';
import { under } from './paths.js';
import { SERVICE_USER, type CheckProbes, type DeviceList, type ProbeContext, type ProvisionDeps, type ProvisionIO, type RunResult, type SyncConfig } from './types.js';

export function processIO(): ProvisionIO {
  return {
    out: (t) => void process.stdout.write(`${t}\n`),
    err: (t) => void process.stderr.write(`${t}\n`),
    interactive: process.stdin.isTTY === true,
    async ask(question, defaultValue) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const a = await rl.question(`${question}${defaultValue !== undefined ? ` [${defaultValue}]` : ''}: `);
        return a.trim() === '' && defaultValue !== undefined ? defaultValue : a;
      } finally {
        rl.close();
      }
    },
  };
}

function read(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
}


/** The drivers' device list in provisioning's terms, with paths as the terminal sees them (the root stripped). */
export function fromDriverList(d: DriverDeviceList, root = '/'): DeviceList {
  const sys = (p: string): string => {
    if (root === '/' || root === '') return p;
    const rel = path.relative(root, p);
    return rel.startsWith('..') || path.isAbsolute(rel) ? p : `/${rel}`;
  };
  return {
    serial: d.serial.map((s) => ({
      path: sys(s.path),
      ...(s.byId ? { byId: sys(s.byId), product: path.basename(s.byId) } : {}),
      ...(s.vendorId ? { vendorId: s.vendorId } : {}),
      ...(s.productId ? { productId: s.productId } : {}),
      ...(s.manufacturer ? { manufacturer: s.manufacturer } : {}),
    })),
    hid: d.hid.map((h) => ({
      vendorId: h.vendorId,
      productId: h.productId,
      ...(h.path ? { path: h.path } : {}),
      ...(h.product ? { product: h.product } : {}),
      ...(h.manufacturer ? { manufacturer: h.manufacturer } : {}),
      usage: h.kind === 'hid-pos' ? ('pos' as const) : h.kind === 'keyboard-wedge' ? ('keyboard' as const) : ('other' as const),
    })),
    // A framebuffer the drivers cannot draw on is no candidate.
    framebuffers: d.framebuffers
      .filter((f) => f.supported)
      .map((f) => ({ path: sys(f.device), width: f.width ?? 0, height: f.height ?? 0, bitsPerPixel: f.bitsPerPixel ?? 0, ...(read(path.join(root, 'sys/class/graphics', f.fb, 'name')) ? { name: read(path.join(root, 'sys/class/graphics', f.fb, 'name')) as string } : {}) })),
    usblp: d.printers.map((p) => ({ path: sys(p.device) })),
  };
}

/**
 * Device discovery through the drivers' listDevices(). Under another root (an SD card image) only the
 * files are looked at: the host's serial ports and HID devices are not the terminal's.
 */
export async function driverDevices(root = '/'): Promise<DeviceList> {
  const d = await import('#drivers');
  const rooted = root !== '/' && root !== '';
  const list = await d.listDevices({
    devRoot: under(root, '/dev'),
    sysfsRoot: under(root, '/sys'),
    ...(rooted ? { listSerial: async () => [], listHid: async () => [] } : {}),
  });
  return fromDriverList(list, root);
}

type ProbeResult = { ok: boolean; detail: string };

function openProbe(realPath: string, flags: number): ProbeResult {
  try {
    fs.closeSync(fs.openSync(realPath, flags));
    return { ok: true, detail: 'opens' };
  } catch (e) {
    return { ok: false, detail: `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}

/** Connects to the broker's port (TLS with the configured CA and client certificate for mqtts/wss) and hangs up. */
export function brokerProbe(sync: SyncConfig, ctx: ProbeContext, timeoutMs = 5_000): Promise<ProbeResult> {
  const u = new URL(sync.brokerUrl);
  const secure = u.protocol === 'mqtts:';
  const port = Number(u.port || { 'mqtt:': 1883, 'mqtts:': 8883 }[u.protocol] || 0);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    let sock: net.Socket;
    const done = (r: ProbeResult): void => {
      sock.destroy();
      resolve(r);
    };
    try {
      if (secure) {
        const file = (p: string | undefined) => (p ? fs.readFileSync(ctx.at(p)) : undefined);
        const ca = file(sync.tls?.ca);
        const cert = file(sync.tls?.cert);
        const key = file(sync.tls?.key);
        sock = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) });
        sock.once('secureConnect', () => done({ ok: true, detail: `TLS ${(sock as tls.TLSSocket).getProtocol() ?? ''} handshake ok, certificate trusted` }));
      } else {
        sock = net.connect({ host, port });
        sock.once('connect', () => done({ ok: true, detail: 'TCP connect ok (no TLS)' }));
      }
    } catch (e) {
      resolve({ ok: false, detail: (e as Error).message });
      return;
    }
    sock.setTimeout(timeoutMs, () => done({ ok: false, detail: `no answer within ${timeoutMs / 1000} s` }));
    sock.once('error', (e) => done({ ok: false, detail: e.message }));
  });
}

/** The drivers' factories, the probes' seam (default: '#drivers', loaded on first use). */
export interface DriverFactories {
  createScanner: typeof createScanner;
  createPrinter: typeof createPrinter;
  createDisplay: typeof createDisplay;
  refusal: typeof refusal;
}

const realDrivers = async (): Promise<DriverFactories> => import('#drivers');

/** A config entry with its device paths resolved under the provisioning root. */
function rootedEntry(d: Record<string, unknown>, ctx: ProbeContext): Record<string, unknown> {
  const out = { ...d };
  for (const k of ['path', 'device', 'sysfsRoot']) {
    const v = out[k];
    if (typeof v === 'string' && v.startsWith('/')) out[k] = ctx.at(v);
  }
  if (out.type === 'framebuffer') out.sysfsRoot ??= ctx.at('/sys');
  return out;
}

/**
 * `check`'s probes through the real drivers: the scanner opens (first connection attempt), the
 * printer answers an ESC/POS status query, the display opens and draws an idle screen.
 */
export function defaultProbes(drivers: () => Promise<DriverFactories> = realDrivers): CheckProbes {
  return {
    async openDevice(role, entry, ctx) {
      const drv = await drivers();
      const d = rootedEntry(entry, ctx);
      if (d.type === 'emulator') return { ok: true, detail: 'emulated device' };
      if (role === 'scanner') {
        const h = await drv.createScanner(d as Parameters<DriverFactories['createScanner']>[0]).open();
        const st = h.status();
        await h.close();
        return st.state === 'connected' ? { ok: true, detail: 'opens' } : { ok: false, detail: `${st.state}${st.detail ? `: ${st.detail}` : ''}` };
      }
      if (role === 'printer') {
        if (d.type === 'usblp' && d.readsBack !== true) return openProbe(String(d.path), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        const h = await drv.createPrinter(d as Parameters<DriverFactories['createPrinter']>[0]).open();
        try {
          await h.queryStatus();
          return { ok: true, detail: 'opens and answers' };
        } finally {
          await h.close();
        }
      }
      if (d.type === 'console') return { ok: true, detail: "draws on the daemon's standard output" };
      const h = await drv.createDisplay(d as Parameters<DriverFactories['createDisplay']>[0]).open();
      await h.close();
      return { ok: true, detail: 'opens' };
    },
    async printerStatus(entry, ctx) {
      const drv = await drivers();
      const h = await drv.createPrinter(rootedEntry(entry, ctx) as Parameters<DriverFactories['createPrinter']>[0]).open();
      try {
        const s = await h.queryStatus();
        if (!s) return { ok: true, detail: 'this connection cannot read status back (usblp without readsBack): not checked' };
        const why = drv.refusal(s, false);
        return why ? { ok: false, detail: why.why } : { ok: true, detail: 'online, paper ok, cover closed' };
      } finally {
        await h.close();
      }
    },
    async displayDraw(entry, ctx) {
      if (entry.type === 'console') return { ok: true, detail: 'console display: not drawn here (it would mix with this output)' };
      const drv = await drivers();
      const h = await drv.createDisplay(rootedEntry(entry, ctx) as Parameters<DriverFactories['createDisplay']>[0]).open();
      try {
        await h.show({ kind: 'idle', title: 'Tessera check' });
        return { ok: true, detail: 'drew "Tessera check"' };
      } finally {
        await h.close();
      }
    },
    broker: (sync, ctx) => brokerProbe(sync, ctx),
    async diskFree(p) {
      const s = fs.statfsSync(p);
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    },
  };
}

export function runProgram(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (e) => resolve({ code: null, stdout, stderr: stderr + e.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a program that exits without reading its input is not an error here
      child.stdin.end(opts.input);
    }
  });
}

/** The service user from <root>/etc/passwd. */
export function passwdUser(root: string, name = SERVICE_USER): { uid: number; gid: number } | undefined {
  const line = (read(under(root, '/etc/passwd')) ?? '').split('\n').find((l) => l.startsWith(`${name}:`));
  const f = line?.split(':');
  if (!f || f.length < 4) return undefined;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
}

/** The daemon's own config check (its schema and the drivers' device schemas), loaded on first use. */
export async function daemonConfigValidator(): Promise<(obj: unknown) => void> {
  const validate = await (await import('#terminal')).loadConfigValidator();
  return (obj) => void validate(obj);
}

/** Full deps from a partial set: anything not given is the real thing. */
export async function provisionDeps(d: Partial<ProvisionDeps> = {}): Promise<ProvisionDeps> {
  const root = d.root ?? '/';
  return {
    root,
    clock: d.clock ?? systemClock,
    io: d.io ?? processIO(),
    validateConfig: d.validateConfig ?? (await daemonConfigValidator()),
    listDevices: d.listDevices ?? (() => driverDevices(root)),
    probes: d.probes ?? defaultProbes(),
    run: d.run ?? runProgram,
    serviceUser: d.serviceUser ?? (() => passwdUser(root)),
    chown: d.chown ?? ((p, uid, gid) => fs.chownSync(p, uid, gid)),
    env: d.env ?? process.env,
    setExitCode: d.setExitCode ?? ((c) => void (process.exitCode = c)),
  };
}
