// 2×20 customer display (VFD) over serial with the ESC/POS customer-display command set.
import { serialPort } from '../lazy.js';
import { TesseraError, errorMessage, silentLogger, type Logger } from '#common';
import type { DeviceBus } from '../events.js';
import { asciiOnly, screenText, type DisplayDriver, type DisplayHandle, type DisplayStatus, type Screen } from './screens.js';

export const VFD_COLUMNS = 20;

/** The port seam: write bytes, close. */
export interface VfdPort {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export type OpenVfdPort = (path: string, baudRate: number) => Promise<VfdPort>;

export const openVfdSerial: OpenVfdPort = (path, baudRate) =>
  new Promise((resolve, reject) => {
    const port = new (serialPort())({ path, baudRate, autoOpen: false });
    port.open((err) => {
      if (err) return reject(err);
      port.on('error', () => {});
      resolve({
        write: (bytes) => new Promise((res, rej) => (port.write(Buffer.from(bytes)), port.drain((e) => (e ? rej(e) : res())))),
        close: () => new Promise((res) => (port.isOpen ? port.close(() => res()) : res())),
      });
    });
  });

/** Two 20-character lines for a screen: headline (or merchant) above, amount/detail below, centred. */
export function vfdLines(screen: Screen): [string, string] {
  const t = screenText(screen);
  const fit = (s: string): string => {
    const a = asciiOnly(s).slice(0, VFD_COLUMNS);
    const pad = Math.floor((VFD_COLUMNS - a.length) / 2);
    return (' '.repeat(pad) + a).padEnd(VFD_COLUMNS, ' ');
  };
  if (screen.kind === 'request') return [fit(screen.merchantName), fit(t.headline)];
  return [fit(t.headline), fit(t.lines[0] ?? '')];
}

/** ESC @ (initialise), CLR, then US $ x y to place each line (1-based column and row). */
export function vfdBytes(lines: [string, string]): Uint8Array {
  const parts: number[] = [0x1b, 0x40, 0x0c];
  lines.forEach((l, row) => parts.push(0x1f, 0x24, 1, row + 1, ...Buffer.from(l, 'latin1')));
  return Uint8Array.from(parts);
}

/** Applies customer-display bytes to a 2×20 screen: what the emulator shows. */
export function interpretVfd(bytes: Uint8Array, screen: string[] = [' '.repeat(VFD_COLUMNS), ' '.repeat(VFD_COLUMNS)]): string[] {
  const rows = screen.map((r) => r.split(''));
  let x = 0;
  let y = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0x1b && bytes[i + 1] === 0x40) {
      i++;
    } else if (b === 0x0c) {
      for (const r of rows) r.fill(' ');
      x = y = 0;
    } else if (b === 0x0b) {
      x = y = 0;
    } else if (b === 0x1f && bytes[i + 1] === 0x24) {
      x = Math.max(0, (bytes[i + 2] ?? 1) - 1);
      y = Math.max(0, (bytes[i + 3] ?? 1) - 1);
      i += 3;
    } else if (b >= 0x20) {
      const row = rows[y];
      if (row && x < VFD_COLUMNS) row[x] = String.fromCharCode(b);
      x++;
    }
  }
  return rows.map((r) => r.join(''));
}

export interface VfdOptions {
  path: string;
  baudRate?: number;
  openPort?: OpenVfdPort;
  logger?: Logger;
  bus?: DeviceBus;
}

export class VfdDisplay implements DisplayDriver {
  constructor(private readonly o: VfdOptions) {}

  async open(): Promise<DisplayHandle> {
    const openPort = this.o.openPort ?? openVfdSerial;
    let port: VfdPort;
    try {
      port = await openPort(this.o.path, this.o.baudRate ?? 9600);
    } catch (e) {
      throw new TesseraError('DISPLAY_OPEN_FAILED', `cannot open customer display ${this.o.path}: ${errorMessage(e)}`, { cause: e });
    }
    this.o.bus?.emit('device:status', { device: 'display', state: 'connected' });
    return new VfdHandle(port, this.o, openPort, this.o.logger ?? silentLogger());
  }
}

class VfdHandle implements DisplayHandle {
  private last: Screen | undefined;
  private chain: Promise<void> = Promise.resolve();
  private health: DisplayStatus = { state: 'connected' };

  constructor(
    private port: VfdPort | undefined,
    private readonly o: VfdOptions,
    private readonly openPort: OpenVfdPort,
    private readonly log: Logger,
  ) {}

  show(screen: Screen): Promise<void> {
    this.last = screen;
    this.chain = this.chain.then(async () => {
      try {
        // A display unplugged since the last screen is reopened here, on the next screen.
        this.port ??= await this.openPort(this.o.path, this.o.baudRate ?? 9600);
        await this.port.write(vfdBytes(vfdLines(screen)));
        if (this.health.state !== 'connected') {
          this.health = { state: 'connected' };
          this.o.bus?.emit('device:status', { device: 'display', state: 'connected' });
        }
      } catch (e) {
        this.log.warn({ err: errorMessage(e) }, 'customer display write failed');
        this.health = { state: 'disconnected', code: 'DISPLAY_OPEN_FAILED', detail: errorMessage(e) };
        this.o.bus?.emit('device:status', { device: 'display', ...this.health });
        await this.port?.close().catch(() => {});
        this.port = undefined;
      }
    });
    return this.chain;
  }

  current(): Screen | undefined {
    return this.last;
  }

  status(): DisplayStatus {
    return { ...this.health };
  }

  async close(): Promise<void> {
    await this.chain;
    await this.port?.close();
    this.port = undefined;
  }
}
