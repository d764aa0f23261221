// Serial (CDC-ACM / RS-232) scanner: frames bytes into codes and reopens the port forever when it vanishes.
import { statSync } from 'node:fs';
import { serialPort } from '../lazy.js';
import { systemClock, silentLogger, errorMessage, type Clock, type Logger } from '#common';
import { DEFAULT_BACKOFF, Reconnector, type BackoffOptions } from '../backoff.js';
import type { DeviceBus } from '../events.js';
import { CodeAssembler } from './filter.js';
import { BaseScannerHandle } from './handle.js';
import { DEFAULT_SCAN_FILTER, type ScanFilterOptions, type ScannerDriver, type ScannerHandle } from './types.js';

/** How a scanner marks the end of a code: a terminator, or silence for `ms` between bytes. */
export type SerialFraming = { kind: 'terminator'; terminator: 'cr' | 'lf' | 'crlf' | 'any' } | { kind: 'timeout'; ms: number };

/** The part of a serialport SerialPort we use: the seam for tests that need no pty. */
export interface SerialLike {
  on(event: 'data', cb: (chunk: Buffer) => void): unknown;
  on(event: 'close', cb: (err?: Error | null) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  close(cb?: (err?: Error | null) => void): void;
  readonly isOpen: boolean;
}

export type OpenSerial = (path: string, baudRate: number) => Promise<SerialLike>;

export const openSerialPort: OpenSerial = (path, baudRate) =>
  new Promise((resolve, reject) => {
    const port = new (serialPort())({ path, baudRate, autoOpen: false });
    port.open((err) => (err ? reject(err) : resolve(port)));
  });

export interface SerialScannerOptions extends Partial<ScanFilterOptions> {
  path: string;
  baudRate?: number;
  framing?: SerialFraming;
  backoff?: BackoffOptions;
  clock?: Clock;
  logger?: Logger;
  bus?: DeviceBus;
  openSerial?: OpenSerial;
  /**
   * How often to check the device node still exists (ms; 0 = never). A pty, and some USB-serial
   * adapters, can vanish without the read side ever reporting it; the node disappearing is certain.
   */
  presenceCheckMs?: number;
}

export class SerialScanner implements ScannerDriver {
  constructor(private readonly options: SerialScannerOptions) {}

  async open(): Promise<ScannerHandle> {
    const handle = new SerialScannerHandle(this.options);
    await handle.start();
    return handle;
  }
}

class SerialScannerHandle extends BaseScannerHandle {
  private port: SerialLike | undefined;
  private readonly assembler: CodeAssembler;
  private readonly framing: SerialFraming;
  private readonly reconnector: Reconnector;
  private pendingCr = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private presenceTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: SerialScannerOptions) {
    super(o.logger ?? silentLogger(), o.bus);
    this.framing = o.framing ?? { kind: 'terminator', terminator: 'any' };
    const filter = { ...DEFAULT_SCAN_FILTER, ...o };
    this.assembler = new CodeAssembler(filter, o.clock ?? systemClock, this.sink(), this.log, o.bus);
    this.reconnector = new Reconnector(() => this.connect(), o.backoff ?? DEFAULT_BACKOFF);
  }

  async start(): Promise<void> {
    if (!(await this.connect())) this.reconnector.start();
  }

  private async connect(): Promise<boolean> {
    if (this.closed) return true;
    let port: SerialLike;
    try {
      port = await (this.o.openSerial ?? openSerialPort)(this.o.path, this.o.baudRate ?? 9600);
    } catch (e) {
      this.setStatus({ state: 'reconnecting', code: 'SCANNER_OPEN_FAILED', detail: errorMessage(e) });
      return false;
    }
    if (this.closed) {
      port.close();
      return true;
    }
    this.port = port;
    this.watchPresence(port);
    port.on('data', (chunk) => this.onData(chunk));
    port.on('error', (err) => this.log.warn({ err: errorMessage(err) }, 'scanner port error'));
    port.on('close', (err) => this.onClose(err ?? undefined));
    this.setStatus({ state: 'connected' });
    return true;
  }

  private watchPresence(port: SerialLike): void {
    const every = this.o.presenceCheckMs ?? 1000;
    if (every <= 0) return;
    const rdev = deviceId(this.o.path);
    this.presenceTimer = setInterval(() => {
      if (this.port !== port || deviceId(this.o.path) === rdev) return;
      this.log.warn({ path: this.o.path }, 'scanner device node vanished');
      port.close(); // 'close' then runs the normal disconnect path
    }, every);
  }

  private onClose(err: Error | undefined): void {
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    this.presenceTimer = undefined;
    this.port = undefined;
    this.clearIdle();
    this.pendingCr = false;
    this.assembler.discard(); // half a code from a vanished scanner is never a code
    if (this.closed) return;
    this.setStatus({ state: 'disconnected', code: 'SCANNER_DISCONNECTED', detail: err ? errorMessage(err) : 'port closed' });
    this.setStatus({ state: 'reconnecting', code: 'SCANNER_DISCONNECTED' });
    this.reconnector.start();
  }

  private onData(chunk: Buffer): void {
    const text = chunk.toString('latin1');
    if (this.framing.kind === 'timeout') {
      this.assembler.push(text);
      this.clearIdle();
      this.idleTimer = setTimeout(() => this.assembler.end(), this.framing.ms);
      return;
    }
    const t = this.framing.terminator;
    let run = '';
    for (const ch of text) {
      if (t === 'crlf') {
        if (this.pendingCr) {
          this.pendingCr = false;
          if (ch === '\n') {
            this.assembler.push(run);
            run = '';
            this.assembler.end();
            continue;
          }
          run += '\r';
        }
        if (ch === '\r') {
          this.pendingCr = true;
          continue;
        }
        run += ch;
        continue;
      }
      const isEnd = (t === 'cr' && ch === '\r') || (t === 'lf' && ch === '\n') || (t === 'any' && (ch === '\r' || ch === '\n'));
      if (isEnd) {
        this.assembler.push(run);
        run = '';
        this.assembler.end();
      } else {
        run += ch;
      }
    }
    if (run) this.assembler.push(run);
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.setStatus({ state: 'disconnected', detail: 'closed' });
    this.closed = true;
    this.reconnector.cancel();
    this.clearIdle();
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.removeAllListeners();
  }
}

/** The device number behind `path` (symlinks followed), or undefined when it does not exist. */
function deviceId(path: string): number | undefined {
  try {
    return statSync(path).rdev;
  } catch {
    return undefined;
  }
}
