// Plugs the real drivers into the daemon: config sections → opened scanner/display/printer handles.
import { TesseraError, type Logger } from '#common';
import { parseConfig, type TerminalConfig } from '../config.js';
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
  // An absent entry (not configured) or null (none, on purpose) is no device: nothing opened, nothing logged.
  return {
    async scanner(config, ctx): Promise<ScannerLike | undefined> {
      if (config === undefined || config === null) return undefined;
      const { d, deps: x } = await deps(ctx);
      return d.createScanner(d.ScannerConfigSchema.parse(config), x).open();
    },
    async display(config, ctx): Promise<DisplayLike | undefined> {
      if (config === undefined || config === null) return undefined;
      const { d, deps: x } = await deps(ctx);
      return d.createDisplay(d.DisplayConfigSchema.parse(config), x).open();
    },
    async printer(config, ctx): Promise<PrinterLike | undefined> {
      if (config === undefined || config === null) return undefined;
      const { d, deps: x } = await deps(ctx);
      return d.createPrinter(d.PrinterConfigSchema.parse(config), x).open();
    },
  };
}

/** A parsed config whose device entries the drivers' own schemas accept, as a sync function (the drivers load once, here). */
export type ConfigValidator = (value: unknown, source?: string) => TerminalConfig;

/**
 * The whole config check used by `tessera config check` and `tessera provision`: the daemon's schema,
 * then each device entry against the drivers' schema (`devices.scanner.path: …` names the field).
 */
export async function loadConfigValidator(): Promise<ConfigValidator> {
  const d = await import('#drivers');
  const schemas = { scanner: d.ScannerConfigSchema, display: d.DisplayConfigSchema, printer: d.PrinterConfigSchema };
  return (value, source = 'config') => {
    const cfg = parseConfig(value, source);
    for (const role of ['scanner', 'display', 'printer'] as const) {
      const entry = cfg.devices[role];
      if (entry === undefined || entry === null) continue;
      const r = schemas[role].safeParse(entry);
      if (r.success) continue;
      const issue = r.error.issues[0];
      const path = ['devices', role, ...(issue?.path ?? []).map(String)].join('.');
      throw new TesseraError('CONFIG_INVALID', `${source}: ${path}: ${issue?.message ?? 'invalid'}`, { details: { path } });
    }
    return cfg;
  };
}
