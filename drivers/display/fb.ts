// Linux framebuffer display (/dev/fbN): geometry from sysfs, RGB565 or 32-bit pixels, whole-frame writes.
import { open, type FileHandle } from 'node:fs/promises';
import { TesseraError, errorMessage, silentLogger, type Logger } from '#common';
import type { DeviceBus } from '../events.js';
import { packPixels, readFbGeometry, type FbGeometry } from './fb-geometry.js';
import { layoutScreen } from './layout.js';
import type { DisplayDriver, DisplayHandle, Screen } from './screens.js';

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

class FramebufferHandle implements DisplayHandle {
  private last: Screen | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly fh: FileHandle,
    readonly geometry: FbGeometry,
    private readonly log: Logger,
    private readonly bus?: DeviceBus,
  ) {}

  show(screen: Screen): Promise<void> {
    this.last = screen;
    const run = async (): Promise<void> => {
      try {
        const canvas = layoutScreen(screen, this.geometry.width, this.geometry.height);
        await this.fh.write(packPixels(canvas.data, this.geometry), 0, undefined, 0);
      } catch (e) {
        this.log.error({ err: errorMessage(e), screen: screen.kind }, 'framebuffer write failed');
        this.bus?.emit('device:status', { device: 'display', state: 'error', code: 'DISPLAY_OPEN_FAILED', detail: errorMessage(e) });
      }
    };
    this.chain = this.chain.then(run);
    return this.chain;
  }

  current(): Screen | undefined {
    return this.last;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.fh.close();
  }
}
