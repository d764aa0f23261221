// Default seams for a real terminal: process I/O with readline prompts, a /dev + /sys scan, file/TLS probes, spawn, /etc/passwd.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { systemClock } from '#common';
import { minimalValidateConfig } from './config.js';
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

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function read(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** A small /dev and /sys scan, used until drivers' listDevices() is injected. */
export function scanDevices(root: string): DeviceList {
  const at = (p: string) => under(root, p);
  const out: DeviceList = { serial: [], hid: [], framebuffers: [], usblp: [] };
  const byId = new Map<string, string>();
  for (const l of list(at('/dev/serial/by-id'))) {
    try {
      byId.set(path.resolve(at('/dev/serial/by-id'), fs.readlinkSync(at(`/dev/serial/by-id/${l}`))), `/dev/serial/by-id/${l}`);
    } catch {
      /* not a link */
    }
  }
  for (const n of list(at('/dev')).filter((n) => /^tty(USB|ACM)\d+$/.test(n))) {
    const link = byId.get(at(`/dev/${n}`));
    out.serial.push({ path: `/dev/${n}`, ...(link ? { byId: link, product: path.basename(link) } : {}) });
  }
  for (const n of list(at('/dev')).filter((n) => /^hidraw\d+$/.test(n))) {
    const ue = read(at(`/sys/class/hidraw/${n}/device/uevent`)) ?? '';
    const id = /^HID_ID=[0-9A-Fa-f]+:0*([0-9A-Fa-f]{1,4}):0*([0-9A-Fa-f]{1,4})$/m.exec(ue);
    if (!id) continue;
    const name = /^HID_NAME=(.*)$/m.exec(ue)?.[1];
    out.hid.push({ path: `/dev/${n}`, vendorId: (id[1] as string).padStart(4, '0').toLowerCase(), productId: (id[2] as string).padStart(4, '0').toLowerCase(), ...(name ? { product: name } : {}) });
  }
  for (const n of list(at('/dev')).filter((n) => /^fb\d+$/.test(n))) {
    const size = /^(\d+),(\d+)$/.exec(read(at(`/sys/class/graphics/${n}/virtual_size`)) ?? '');
    const bpp = Number(read(at(`/sys/class/graphics/${n}/bits_per_pixel`)) ?? 0);
    const name = read(at(`/sys/class/graphics/${n}/name`));
    out.framebuffers.push({ path: `/dev/${n}`, width: Number(size?.[1] ?? 0), height: Number(size?.[2] ?? 0), bitsPerPixel: bpp, ...(name ? { name } : {}) });
  }
  for (const n of list(at('/dev/usb')).filter((n) => /^lp\d+$/.test(n))) out.usblp.push({ path: `/dev/usb/${n}` });
  return out;
}

function openProbe(realPath: string, flags: number): ProbeResult {
  try {
    fs.closeSync(fs.openSync(realPath, flags));
    return { ok: true, detail: 'opens' };
  } catch (e) {
    return { ok: false, detail: `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}
type ProbeResult = { ok: boolean; detail: string };

/** Connects to the broker's port (TLS with the configured CA and client certificate for mqtts/wss) and hangs up. */
export function brokerProbe(sync: SyncConfig, ctx: ProbeContext, timeoutMs = 5_000): Promise<ProbeResult> {
  const u = new URL(sync.url);
  const secure = u.protocol === 'mqtts:' || u.protocol === 'wss:';
  const port = Number(u.port || { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 }[u.protocol] || 0);
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

export function defaultProbes(listDevices: () => Promise<DeviceList>): CheckProbes {
  const RW = fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;
  return {
    async openDevice(_role, d, ctx) {
      if (d.kind === 'tcp') {
        return brokerProbe({ url: `mqtt://${String(d.host)}:${String(d.port)}` }, ctx).then((r) => ({ ok: r.ok, detail: r.ok ? 'TCP connect ok' : r.detail }));
      }
      if (d.kind === 'hid' && typeof d.path !== 'string') {
        const found = (await listDevices()).hid.some((h) => h.vendorId === d.vendorId && h.productId === d.productId);
        return found ? { ok: true, detail: 'present' } : { ok: false, detail: 'not connected' };
      }
      return openProbe(ctx.at(String(d.path)), RW);
    },
    async printerStatus() {
      return { ok: true, detail: 'not queried here (the daemon reads ESC/POS status: tessera status)' };
    },
    async displayDraw(d, ctx) {
      const r = openProbe(ctx.at(String(d.path)), fs.constants.O_WRONLY);
      return r.ok ? { ok: true, detail: 'framebuffer opens for drawing' } : r;
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

/** Full deps from a partial set: anything not given is the real thing. */
export function provisionDeps(d: Partial<ProvisionDeps> = {}): ProvisionDeps {
  const root = d.root ?? '/';
  const listDevices = d.listDevices ?? (async () => scanDevices(root));
  return {
    root,
    clock: d.clock ?? systemClock,
    io: d.io ?? processIO(),
    validateConfig: d.validateConfig ?? minimalValidateConfig,
    listDevices,
    probes: d.probes ?? defaultProbes(listDevices),
    run: d.run ?? runProgram,
    serviceUser: d.serviceUser ?? (() => passwdUser(root)),
    chown: d.chown ?? ((p, uid, gid) => fs.chownSync(p, uid, gid)),
    setExitCode: d.setExitCode ?? ((c) => void (process.exitCode = c)),
  };
}
