// The demo's cast: real terminals (daemon, real drivers on emulated devices), an uplink that can fail, and wallets.
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { BackOffice, IssueTerminalOptions, TrustBundle } from '#backoffice';
import { createKeyFile, signObject, toQrText } from '#protocol';
import { createFramebufferEmulator, renderFramebufferPng, SerialScannerEmulator, TcpPrinterEmulator, type EmulatedFramebuffer } from '#drivers';
import { ApiClient, Daemon, createDatabase, parseConfig, type Decision, type TerminalConfigInput } from '#terminal';
import { driverDeviceFactory } from '../terminal/daemon/driver-devices.js';
import { syncComponents } from '../terminal/daemon/sync-component.js';

export interface SyncSettings {
  brokerUrl: string;
  protocolVersion: 4 | 5;
}

/** One terminal as it would stand in a shop or on a bus: its files, its daemon and its emulated devices. */
export interface DemoTerminal {
  terminalId: string;
  mode: 'merchant' | 'transit';
  displayName: string;
  bundle: TrustBundle;
  daemon: Daemon;
  api: ApiClient;
  fb: EmulatedFramebuffer;
  scanner: SerialScannerEmulator;
  printer: TcpPrinterEmulator | undefined;
  /** The framebuffer as a person would see it, as PNG bytes. */
  screen(): Buffer;
  /** Presents a code at the scanner (pty) and resolves with the daemon's decision (bounded). */
  present(code: string, timeoutMs?: number): Promise<Decision>;
  stop(): Promise<void>;
}

/** Waits (bounded) for `fn` to return a value other than undefined. */
export async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Enrols a terminal exactly as `tessera provision` does (own key, self-signed TE1 request, bundle
 * from the back office), then starts the real daemon on emulated devices: a framebuffer file, a
 * serial scanner behind a socat pty and, for a merchant, an ESC/POS printer on TCP.
 */
/** Where the demo day's terminals stand (the dashboard's map draws them): the café west and north of bus 42's stop. */
export const DEMO_LOCATIONS: Readonly<Record<string, NonNullable<TerminalConfigInput['location']>>> = {
  'T-CAFE-01': { lat: 48.8606, lon: 2.3376, label: 'Café Lumière, rue de Rivoli' },
  'T-BUS-42': { lat: 48.853, lon: 2.3699, label: 'Bus 42, Bastille stop' },
};

/** `location`: where the terminal says it stands (its config's, sent in its MQTT status); the demo's terminals default to theirs. */
export async function startTerminal(bo: BackOffice, dir: string, terminalId: string, o: IssueTerminalOptions, sync: SyncSettings, location?: TerminalConfigInput['location']): Promise<DemoTerminal> {
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, 'terminal.key');
  const key = createKeyFile(keyFile);
  const request = toQrText('ENROLMENT_REQUEST', await signObject('ENROLMENT_REQUEST', { terminalId, publicKey: key.publicKey, hardwareId: `demo:${terminalId}`, time: Math.floor(Date.now() / 1000) }, key));
  const { bundle } = await bo.issueTerminal(request, o);
  const identity = { keyFile, certFile: join(dir, 'terminal.cert'), trustListFile: join(dir, 'trust.list'), rootKeyFile: join(dir, 'root.pub') };
  writeFileSync(identity.certFile, `${bundle.terminalCert}\n`);
  writeFileSync(identity.trustListFile, `${bundle.trustList}\n`);
  writeFileSync(identity.rootKeyFile, `${bundle.rootPublicKey}\n`);

  const fb = createFramebufferEmulator(join(dir, 'fb'), { width: 480, height: 320, bitsPerPixel: 16 });
  const scanner = new SerialScannerEmulator(join(dir, 'ttyScanner'), join(dir, 'ttyScanner.peer'));
  await scanner.start();
  const printer = o.mode === 'merchant' ? new TcpPrinterEmulator() : undefined;
  const printerPort = printer ? await printer.start() : 0;
  const socket = join(dir, 'control.sock');
  // As `tessera provision init` does: the daemon never creates its journal.
  createDatabase(join(dir, 'terminal.db'));
  const where = location ?? DEMO_LOCATIONS[terminalId];
  const config = parseConfig({
    identity,
    database: { path: join(dir, 'terminal.db') },
    api: { socket },
    merchant: { resultDisplaySeconds: 1 },
    transit: { resultDisplaySeconds: 1 },
    devices: {
      scanner: { type: 'serial', path: scanner.path, presenceCheckMs: 0 },
      display: { type: 'framebuffer', device: fb.device, fb: fb.fb, sysfsRoot: fb.sysfsRoot },
      ...(printer ? { printer: { type: 'tcp', host: '127.0.0.1', port: printerPort } } : {}),
    },
    sync: { brokerUrl: sync.brokerUrl, protocolVersion: sync.protocolVersion, reconnectMinMs: 100, reconnectMaxMs: 500, ackTimeoutMs: 2_000, ackFlushMs: 50, pollMs: 200 },
    log: { level: 'silent' },
    ...(where ? { location: where } : {}),
  });
  const daemon = new Daemon({ config, devices: driverDeviceFactory(), components: syncComponents });
  await daemon.start();
  const api = new ApiClient({ socketPath: socket });
  if (bundle.config) {
    const r = await api.call<{ ok: boolean; reason?: string }>('POST', '/v1/fleet', { text: bundle.config });
    if (!r.ok) throw new Error(`${terminalId}: fare config refused: ${r.reason}`);
  }
  await waitFor(`${terminalId} scanner connected`, () => (daemon.status().devices.scanner?.state === 'connected' ? true : undefined), 10_000);
  return {
    terminalId,
    mode: o.mode,
    displayName: o.displayName,
    bundle,
    daemon,
    api,
    fb,
    scanner,
    printer,
    screen: () => renderFramebufferPng(fb),
    async present(code, timeoutMs = 10_000) {
      const co = daemon.checkout;
      if (!co) throw new Error(`${terminalId} is not running`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${terminalId}: no decision within ${timeoutMs} ms`)), timeoutMs);
      });
      const next = co.bus.next('decision');
      await scanner.present(code);
      try {
        return await Promise.race([next, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async stop() {
      await daemon.stop();
      await scanner.stop();
      await printer?.stop();
    },
  };
}

/** A TCP relay standing for the terminals' uplink to an external broker: cut() is the outage, restore() ends it. */
export interface Uplink {
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startUplink(target: string): Promise<Uplink> {
  const u = new URL(target);
  if (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:') throw new Error(`--broker must be an mqtt:// URL (got ${target})`);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 1883);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let bound = 0;
  const open = async (): Promise<void> => {
    const s = net.createServer((inbound) => {
      const outbound = net.connect(port, host);
      inbound.setNoDelay(true);
      outbound.setNoDelay(true);
      for (const x of [inbound, outbound]) {
        sockets.add(x);
        x.on('close', () => sockets.delete(x));
        x.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(bound, '127.0.0.1', () => resolve());
    });
    bound = (s.address() as net.AddressInfo).port;
    server = s;
  };
  const cut = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    for (const x of sockets) x.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await open();
  return {
    get url() {
      return `mqtt://127.0.0.1:${bound}`;
    },
    cut,
    restore: async () => {
      if (!server) await open();
    },
    close: cut,
  };
}
