// Linux framebuffer display (/dev/fbN): geometry from sysfs, frames drawn in the panel's RGB565 or 32-bit format, only changed lines written.
import { writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { TesseraError, errorMessage, silentLogger, type Logger } from '#common';
import type { DeviceBus } from '../events.js';
import { readFbGeometry, type FbGeometry } from './fb-geometry.js';
import { PanelRaster } from './fb-panel.js';
import { drawScreen } from './layout.js';
import type { DisplayDriver, DisplayHandle, DisplayStatus, Screen } from './screens.js';

export interface FramebufferOptions {
  /** Device file, e.g. /dev/fb0 (the emulator passes a plain file). */
  device: string;
  /** Name under /sys/class/graphics; defaults to the device's basename (fb0). */
  fb?: string;
  sysfsRoot?: string;
  logger?: Logger;
  bus?: DeviceBus;
}

export class FramebufferDisplay implements DisplayDriver {
  constructor(private readonly o: FramebufferOptions) {}

  async open(): Promise<DisplayHandle> {
    const fb = this.o.fb ?? this.o.device.split('/').pop() ?? 'fb0';
    let geometry: FbGeometry;
    try {
      geometry = readFbGeometry(fb, this.o.sysfsRoot);
    } catch (e) {
      const code = e instanceof TesseraError ? e.code : 'DISPLAY_OPEN_FAILED';
      this.o.bus?.emit('device:status', { device: 'display', state: code === 'DISPLAY_UNSUPPORTED' ? 'unsupported' : 'error', code, detail: errorMessage(e) });
      throw e;
    }
    let fh: FileHandle;
    try {
      fh = await open(this.o.device, 'r+');
    } catch (e) {
      this.o.bus?.emit('device:status', { device: 'display', state: 'error', code: 'DISPLAY_OPEN_FAILED', detail: errorMessage(e) });
      throw new TesseraError('DISPLAY_OPEN_FAILED', `cannot open ${this.o.device}: ${errorMessage(e)}`, { cause: e });
    }
    this.o.bus?.emit('device:status', { device: 'display', state: 'connected' });
    return new FramebufferHandle(fh, geometry, this.o.logger ?? silentLogger(), this.o.bus);
  }
}

const DONE: Promise<void> = Promise.resolve();

class FramebufferHandle implements DisplayHandle {
  private last: Screen | undefined;
  /** What the device holds (valid when `onDevice` names its screen kind), and the frame being drawn; swapped after each write. */
  private front: PanelRaster;
  private back: PanelRaster;
  private onDevice: Screen['kind'] | undefined;
  private health: DisplayStatus = { state: 'connected' };

  constructor(
    private readonly fh: FileHandle,
    readonly geometry: FbGeometry,
    private readonly log: Logger,
    private readonly bus?: DeviceBus,
  ) {
    this.front = new PanelRaster(geometry);
    this.back = new PanelRaster(geometry);
  }

  /**
   * Draws and writes at once, inside the call: the write is a synchronous copy into panel memory, so
   * a queue would only delay the frame behind the caller's bookkeeping (a rider's result would wait
   * for the checkout's logging and events).
   */
  show(screen: Screen): Promise<void> {
    this.last = screen;
    try {
      const frame = this.back;
      drawScreen(frame, screen);
      // Only the lines that differ from the frame on the device are written (a new fare line, not 300 KB).
      // A change of screen kind, the first frame and any frame after a failed write go out whole, so
      // whatever else drew on the panel (a console, a failed write) is painted over at every change.
      const s = this.geometry.stride;
      const lines = this.onDevice === screen.kind ? frame.changedLines(this.front) : { from: 0, to: this.geometry.height };
      this.onDevice = undefined;
      // Synchronous: a framebuffer write is a copy into panel memory (fbtft panels flush later from
      // their own buffer), ~10 µs for a few lines, where a thread-pool round trip costs ~150 µs.
      if (lines) writeSync(this.fh.fd, frame.bytes, lines.from * s, (lines.to - lines.from) * s, lines.from * s);
      this.back = this.front;
      this.front = frame;
      this.onDevice = screen.kind;
      if (this.health.state !== 'connected') {
        this.health = { state: 'connected' };
        this.bus?.emit('device:status', { device: 'display', state: 'connected' });
      }
    } catch (e) {
      this.log.error({ err: errorMessage(e), screen: screen.kind }, 'framebuffer write failed');
      this.health = { state: 'error', code: 'DISPLAY_OPEN_FAILED', detail: errorMessage(e) };
      this.bus?.emit('device:status', { device: 'display', ...this.health });
    }
    return DONE;
  }

  current(): Screen | undefined {
    return this.last;
  }

  status(): DisplayStatus {
    return { ...this.health };
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
