// The HID seam: node-hid in production, a recorded report stream in tests (there is no hidraw here).
import { EventEmitter } from 'node:events';
import { errorMessage } from '#common';

export type HidTarget = { path: string } | { vendorId: number; productId: number };

/** An open HID device: input reports in, an error when it vanishes. */
export interface HidConnection {
  onData(cb: (report: Uint8Array) => void): void;
  onError(cb: (err: Error) => void): void;
  close(): Promise<void>;
}

export interface HidTransport {
  open(target: HidTarget): Promise<HidConnection>;
}

interface NodeHidAsync {
  on(event: 'data', cb: (d: Buffer) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  close(): Promise<void>;
}

/** node-hid (hidraw/libusb), loaded on first use so a terminal without HID scanners never loads the addon. */
export const nodeHidTransport: HidTransport = {
  async open(target) {
    const hid = (await import('node-hid')) as unknown as {
      HIDAsync: { open(a: string | number, b?: number): Promise<NodeHidAsync> };
    };
    const dev = 'path' in target ? await hid.HIDAsync.open(target.path) : await hid.HIDAsync.open(target.vendorId, target.productId);
    return {
      onData: (cb) => dev.on('data', (d) => cb(new Uint8Array(d))),
      onError: (cb) => dev.on('error', (e) => cb(e instanceof Error ? e : new Error(errorMessage(e)))),
      close: async () => {
        try {
          await dev.close();
        } catch {
          // closing a device that already vanished is fine
        }
      },
    };
  },
};

/**
 * An emulated HID device: tests (and the demo) `send` reports as the scanner would, and `unplug`/
 * `plug` it to exercise reconnect. While unplugged, `open` fails like node-hid on a missing path.
 */
export class EmulatedHidTransport implements HidTransport {
  private plugged = true;
  private readonly live = new Set<EventEmitter>();
  opens = 0;

  async open(_target: HidTarget): Promise<HidConnection> {
    if (!this.plugged) throw new Error('could not open HID device (unplugged)');
    this.opens++;
    const ee = new EventEmitter();
    this.live.add(ee);
    return {
      onData: (cb) => ee.on('data', cb),
      onError: (cb) => ee.on('error', cb),
      close: async () => {
        this.live.delete(ee);
        ee.removeAllListeners();
      },
    };
  }

  get connected(): boolean {
    return this.live.size > 0;
  }

  send(...reports: Uint8Array[]): void {
    for (const r of reports) for (const ee of this.live) ee.emit('data', r);
  }

  unplug(): void {
    this.plugged = false;
    for (const ee of [...this.live]) {
      this.live.delete(ee);
      ee.emit('error', new Error('could not read from HID device'));
      ee.removeAllListeners();
    }
  }

  plug(): void {
    this.plugged = true;
  }
}
