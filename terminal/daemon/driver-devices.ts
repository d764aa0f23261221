// Plugs the real drivers into the daemon: config sections → opened scanner/display/printer handles.
import type { Logger } from '#common';
import type { DeviceFactory, DeviceContext } from './daemon.js';
import type { DisplayLike, PrinterLike, ScannerLike } from '../checkout/devices.js';

/**
 * Drivers are imported lazily, so client commands (`tessera status`) never load serialport or
 * node-hid, and a daemon loads only what its config names; an absent section means no such device. `open()` failures that the drivers
 * report at start (an unsupported framebuffer) are thrown here; the daemon logs them and runs on.
 */
export function driverDeviceFactory(root?: Logger): DeviceFactory {
  const deps = async (ctx: DeviceContext) => {
    const d = await import('#drivers');
    return { d, deps: { logger: root ?? ctx.log } };
  };
  return {
    async scanner(config, ctx): Promise<ScannerLike | undefined> {
      if (config === undefined) return undefined;
      const { d, deps: x } = await deps(ctx);
      return d.createScanner(d.ScannerConfigSchema.parse(config), x).open();
    },
    async display(config, ctx): Promise<DisplayLike | undefined> {
      if (config === undefined) return undefined;
      const { d, deps: x } = await deps(ctx);
      return d.createDisplay(d.DisplayConfigSchema.parse(config), x).open();
    },
    async printer(config, ctx): Promise<PrinterLike | undefined> {
      if (config === undefined) return undefined;
      const { d, deps: x } = await deps(ctx);
      return d.createPrinter(d.PrinterConfigSchema.parse(config), x).open();
    },
  };
}
