// A provisioned terminal in a temp directory with device doubles at the checkout's seams, for tests, bench and demos.
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, TesseraError, type Clock } from '#common';
import { createKeyFile, fromHex, toHex, toQrText, type KeySigner, type Payment, type PurseCert, type TerminalConfigBody } from '#protocol';
import { createTestWorld, transitFields, type TestWorld } from '#protocol/testkit';
import { parseConfig, type TerminalConfig, type TerminalConfigInput } from '../config.js';
import { createDatabase } from '../store/index.js';
import type { DisplayLike, Printable, PrintedReceipt, PrinterLike, PrintOutcomeLike, ReportSlip, ScannerLike, Screen } from '../checkout/devices.js';
import type { Decision } from '../checkout/types.js';
import { Daemon, type DaemonOptions } from './daemon.js';

/** A control API answer as it came: status, headers and the parsed JSON body. */
export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  json: { error?: { code: string; message: string; details?: unknown } } & Record<string, unknown>;
}

/**
 * One request on the control API's socket, without the ApiClient's error mapping, for tests that
 * look at the HTTP itself. `body` is sent as it is when a string (malformed text on purpose), as
 * JSON otherwise. One connection per request: a kept-alive socket would not survive a daemon restart.
 */
export function rawRequest(socketPath: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const type = text === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) };
    const req = request({ socketPath, method, path, agent: false, headers: { ...type, ...headers } }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(data) as RawAnswer['json'] }));
    });
    req.once('error', reject);
    req.end(text);
  });
}

/** A scanner double: `present(text)` emits exactly what a real scanner would (the decoded QR text). */
export class ScannerDouble extends EventEmitter implements ScannerLike {
  present(text: string): void {
    this.emit('scan', text);
  }
  status(): { state: string } {
    return { state: 'connected' };
  }
}

export class RecordingDisplay implements DisplayLike {
  readonly screens: Screen[] = [];
  show(screen: Screen): void {
    this.screens.push(screen);
  }
  get last(): Screen | undefined {
    return this.screens[this.screens.length - 1];
  }
  status(): { state: string } {
    return { state: 'connected' };
  }
}

export class RecordingPrinter implements PrinterLike {
  readonly receipts: PrintedReceipt[] = [];
  readonly reports: ReportSlip[] = [];
  failWith: { code: string; message: string } | undefined;
  async print(doc: Printable): Promise<PrintOutcomeLike> {
    if (this.failWith) return { ok: false, ...this.failWith };
    if ('kind' in doc) this.reports.push(doc);
    else this.receipts.push(doc);
    return { ok: true, jobId: String(this.receipts.length + this.reports.length) };
  }
  status(): { state: string } {
    return { state: this.failWith ? 'error' : 'connected' };
  }
}

export type Purse = { key: KeySigner; bytes: Uint8Array; cert: PurseCert };

export interface TerminalWorldOptions {
  mode?: 'merchant' | 'transit';
  seed?: string;
  /** World time in seconds (default: the test world's fixed time). */
  now?: number;
  /** Config overrides (merged over test defaults). */
  config?: TerminalConfigInput;
  terminalId?: string;
  certValidity?: { notBefore?: number; notAfter?: number };
}

export interface TerminalWorld {
  dir: string;
  world: TestWorld;
  clock: ManualClock;
  config: TerminalConfig;
  configPath: string;
  terminalId: string;
  scanner: ScannerDouble;
  display: RecordingDisplay;
  printer: RecordingPrinter;
  /** A daemon on this world (devices are the doubles above). */
  daemon(o?: Partial<DaemonOptions>): Daemon;
  /** Scans `text` and resolves with the decision (bounded by a timeout). */
  scan(daemon: Daemon, text: string, timeoutMs?: number): Promise<Decision>;
  /** A merchant payment answering the daemon's open request (or the given nonce/amount). */
  merchantPayment(daemon: Daemon, purse: Purse, o?: Partial<Payment>): Promise<string>;
  transitPayment(purse: Purse, o?: Partial<Payment> & { max?: number; window?: number; line?: string; operator?: string }): Promise<string>;
  /** A flat-fare transit config message as TF1 text. */
  fareConfig(version: number, body?: Partial<TerminalConfigBody>): Promise<string>;
  cleanup(): void;
}

export const TEST_CONFIG: TerminalConfigInput = {
  merchant: { resultDisplaySeconds: 0 },
  transit: { resultDisplaySeconds: 0 },
};

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' ? merge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

export async function createTerminalWorld(o: TerminalWorldOptions = {}): Promise<TerminalWorld> {
  const world = await createTestWorld({ seed: o.seed ?? 'terminal', ...(o.now !== undefined ? { now: o.now } : {}) });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-term-'));
  const etc = join(dir, 'etc');
  mkdirSync(etc);
  const terminalId = o.terminalId ?? 'T-0001';
  const term = await world.terminalCert({ terminalId, mode: o.mode ?? 'merchant', ...(o.certValidity ?? {}) });
  const identity = {
    keyFile: join(etc, 'terminal.key'),
    certFile: join(etc, 'terminal.cert'),
    trustListFile: join(etc, 'trust.list'),
    rootKeyFile: join(etc, 'root.pub'),
  };
  createKeyFile(identity.keyFile, undefined, undefined, term.key.secretKey());
  writeFileSync(identity.certFile, `${toQrText('TERMINAL_CERT', term.bytes)}\n`);
  writeFileSync(identity.trustListFile, `${toQrText('TRUST_LIST', world.trustBytes)}\n`);
  writeFileSync(identity.rootKeyFile, `${toHex(world.root.publicKey)}\n`);
  const input = merge(merge(TEST_CONFIG as Record<string, unknown>, { identity, database: { path: join(dir, 'terminal.db') }, api: { socket: join(dir, 'control.sock') } }), (o.config ?? {}) as Record<string, unknown>);
  const config = parseConfig(input);
  // What `tessera provision init` does on a terminal: the daemon never creates its journal.
  if (!existsSync(config.database.path)) createDatabase(config.database.path);
  const configPath = join(etc, 'terminal.json');
  writeFileSync(configPath, JSON.stringify(input, null, 2));
  const clock = new ManualClock(world.now * 1000);
  const scanner = new ScannerDouble();
  const display = new RecordingDisplay();
  const printer = new RecordingPrinter();

  const tw: TerminalWorld = {
    dir,
    world,
    clock,
    config,
    configPath,
    terminalId,
    scanner,
    display,
    printer,
    daemon(d = {}) {
      return new Daemon({
        config,
        clock: clock as Clock,
        devices: { scanner: async () => scanner, display: async () => display, printer: async () => printer },
        ...d,
      });
    },
    async scan(daemon, text, timeoutMs = 10_000) {
      const co = daemon.checkout;
      if (!co) throw new TesseraError('INTERNAL', 'daemon not started');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no decision within ${timeoutMs} ms`)), timeoutMs);
      });
      const next = co.bus.next('decision');
      scanner.present(text);
      try {
        return await Promise.race([next, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async merchantPayment(daemon, purse, p = {}) {
      const cur = daemon.checkout?.current();
      const amount = p.amount ?? cur?.amount ?? 450;
      const r = await world.payment(purse, {
        payee: terminalId,
        amount,
        cumulative: amount,
        currency: cur?.currency ?? purse.cert.currency,
        time: Math.floor(clock.now() / 1000),
        ...(cur ? { requestNonce: fromHex(cur.id) } : {}),
        ...p,
      });
      return r.text;
    },
    async transitPayment(purse, p = {}) {
      const { max, window, line, operator, ...rest } = p;
      const now = Math.floor(clock.now() / 1000);
      const fields = transitFields(now, { ...(max !== undefined ? { max } : {}), ...(window !== undefined ? { window } : {}), ...(line ? { line } : {}), ...(operator ? { operator } : {}) });
      const r = await world.payment(purse, { ...fields, ...rest });
      return r.text;
    },
    async fareConfig(version, body = {}) {
      const bytes = await world.fleetConfig(version, { currency: 'EUR', operatorId: 'OP-METRO', utcOffsetMinutes: 0, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 250 }], ...body }, terminalId);
      return toQrText('FLEET_MESSAGE', bytes);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return tw;
}

