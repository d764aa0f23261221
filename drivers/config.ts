// Device config as zod schemas (embedded by the daemon's config) and factories that build drivers from them.
import { z } from 'zod';
import { componentLogger, silentLogger, systemClock, type Clock, type Logger } from '#common';
import type { DeviceBus } from './events.js';
import { HidScanner } from './scanner/hid.js';
import type { HidTransport } from './scanner/hid-transport.js';
import { LAYOUTS } from './scanner/keymap.js';
import { SerialScanner } from './scanner/serial.js';
import { EmulatedScanner } from './scanner/emulated.js';
import type { ScannerDriver } from './scanner/types.js';
import { PrinterProfileSchema } from './printer/receipt.js';
import { EscPosPrinter, type PrinterDriver } from './printer/printer.js';
import { FilePrinterTransport, SerialPrinterTransport, TcpPrinterTransport } from './printer/transport.js';
import { EmulatorPrinterTransport, PrinterEmulatorCore } from './printer/emulator.js';
import { FramebufferDisplay } from './display/fb.js';
import { VfdDisplay } from './display/vfd.js';
import { ConsoleDisplay } from './display/console.js';
import { RecordingDisplay } from './display/recording.js';
import type { DisplayDriver } from './display/screens.js';

/** A USB id as a number or a 4-digit hex string ("0c2e", "0x0c2e"). */
const UsbId = z.union([z.number().int().min(0).max(0xffff), z.string().regex(/^(0x)?[0-9a-fA-F]{4}$/).transform((s) => Number.parseInt(s.replace(/^0x/, ''), 16))]);

const scanFilter = {
  /** Longest code accepted (characters). */
  maxLength: z.number().int().min(16).max(65536).default(2048),
  /** Same code within this many ms of the last read is the same presentation. */
  rereadWindowMs: z.number().int().min(0).max(60000).default(1500),
};
const backoff = z.object({ initialMs: z.number().int().min(10).default(200), maxMs: z.number().int().min(10).default(5000) }).prefault({});

export const ScannerConfigSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('serial'),
    /** Prefer /dev/serial/by-id/… (stable across replugs and reboots). */
    path: z.string().min(1),
    baudRate: z.number().int().positive().default(9600),
    framing: z
      .union([z.object({ terminator: z.enum(['cr', 'lf', 'crlf', 'any']) }), z.object({ interByteTimeoutMs: z.number().int().min(5).max(2000) })])
      .default({ terminator: 'any' }),
    presenceCheckMs: z.number().int().min(0).default(1000),
    backoff,
    ...scanFilter,
  }),
  z.object({
    type: z.literal('hid'),
    vendorId: UsbId.optional(),
    productId: UsbId.optional(),
    /** hidraw path; alternative to vendorId/productId. */
    path: z.string().optional(),
    mode: z.enum(['keyboard', 'pos']).default('keyboard'),
    layout: z.string().refine((l) => l in LAYOUTS, { message: `layout must be one of ${Object.keys(LAYOUTS).join(', ')}` }).default('us'),
    reportId: z.boolean().default(false),
    tabEnds: z.boolean().default(false),
    backoff,
    ...scanFilter,
  }),
  z.object({ type: z.literal('emulator'), ...scanFilter }),
]);
export type ScannerConfig = z.input<typeof ScannerConfigSchema>;

const profile = PrinterProfileSchema.prefault({});
const statusPollMs = z.number().int().min(0).default(30_000).describe('Status query (DLE EOT) between receipts, in ms; 0: only at open and around prints.');
export const PrinterConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535).default(9100), profile, statusTimeoutMs: z.number().int().positive().default(2000), statusPollMs }),
  z.object({ type: z.literal('serial'), path: z.string().min(1), baudRate: z.number().int().positive().default(19200), profile, statusTimeoutMs: z.number().int().positive().default(2000), statusPollMs }),
  z.object({ type: z.literal('usblp'), path: z.string().default('/dev/usb/lp0'), readsBack: z.boolean().default(false), profile, statusTimeoutMs: z.number().int().positive().default(2000), statusPollMs }),
  z.object({ type: z.literal('emulator'), profile, statusPollMs }),
]);
export type PrinterConfig = z.input<typeof PrinterConfigSchema>;

export const DisplayConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('framebuffer'), device: z.string().default('/dev/fb0'), fb: z.string().optional(), sysfsRoot: z.string().default('/sys') }),
  z.object({ type: z.literal('vfd'), path: z.string().min(1), baudRate: z.number().int().positive().default(9600) }),
  z.object({ type: z.literal('console') }),
  z.object({ type: z.literal('emulator'), width: z.number().int().positive().default(480), height: z.number().int().positive().default(320) }),
]);
export type DisplayConfig = z.input<typeof DisplayConfigSchema>;

export interface DriverDeps {
  bus?: DeviceBus;
  /** Root logger; each driver takes a child `{component: 'scanner' | 'printer' | 'display'}`. */
  logger?: Logger;
  clock?: Clock;
  /** HID seam (default node-hid). */
  hidTransport?: HidTransport;
}

const child = (deps: DriverDeps, c: string): Logger => componentLogger(deps.logger ?? silentLogger(), c);

export function createScanner(config: ScannerConfig, deps: DriverDeps = {}): ScannerDriver {
  const c = ScannerConfigSchema.parse(config);
  const common = { maxLength: c.maxLength, rereadWindowMs: c.rereadWindowMs, bus: deps.bus, logger: child(deps, 'scanner'), clock: deps.clock ?? systemClock };
  switch (c.type) {
    case 'serial':
      return new SerialScanner({
        ...common,
        path: c.path,
        baudRate: c.baudRate,
        framing: 'terminator' in c.framing ? { kind: 'terminator', terminator: c.framing.terminator } : { kind: 'timeout', ms: c.framing.interByteTimeoutMs },
        presenceCheckMs: c.presenceCheckMs,
        backoff: c.backoff,
      });
    case 'hid': {
      const target = c.path ? { path: c.path } : c.vendorId !== undefined && c.productId !== undefined ? { vendorId: c.vendorId, productId: c.productId } : undefined;
      if (!target) throw new z.ZodError([{ code: 'custom', path: ['path'], message: 'hid scanner needs path or vendorId+productId', input: config }]);
      return new HidScanner({ ...common, target, mode: c.mode, layout: c.layout, reportId: c.reportId, tabEnds: c.tabEnds, backoff: c.backoff, transport: deps.hidTransport });
    }
    case 'emulator':
      return new EmulatedScanner(common);
  }
}

/** Builds a printer; for type 'emulator' the in-process emulator is reachable as `driver.emulator`. */
export function createPrinter(config: PrinterConfig, deps: DriverDeps = {}): PrinterDriver & { emulator?: PrinterEmulatorCore } {
  const c = PrinterConfigSchema.parse(config);
  const common = { profile: c.profile, bus: deps.bus, logger: child(deps, 'printer'), statusPollMs: c.statusPollMs };
  switch (c.type) {
    case 'tcp':
      return new EscPosPrinter({ ...common, transport: new TcpPrinterTransport(c.host, c.port), statusTimeoutMs: c.statusTimeoutMs });
    case 'serial':
      return new EscPosPrinter({ ...common, transport: new SerialPrinterTransport(c.path, c.baudRate), statusTimeoutMs: c.statusTimeoutMs });
    case 'usblp':
      return new EscPosPrinter({ ...common, transport: new FilePrinterTransport(c.path, c.readsBack), statusTimeoutMs: c.statusTimeoutMs });
    case 'emulator': {
      const emulator = new PrinterEmulatorCore(c.profile.paperWidth === 58 ? 384 : 576);
      return Object.assign(new EscPosPrinter({ ...common, transport: new EmulatorPrinterTransport(emulator) }), { emulator });
    }
  }
}

export function createDisplay(config: DisplayConfig, deps: DriverDeps = {}): DisplayDriver {
  const c = DisplayConfigSchema.parse(config);
  switch (c.type) {
    case 'framebuffer':
      return new FramebufferDisplay({ device: c.device, fb: c.fb, sysfsRoot: c.sysfsRoot, bus: deps.bus, logger: child(deps, 'display') });
    case 'vfd':
      return new VfdDisplay({ path: c.path, baudRate: c.baudRate, bus: deps.bus, logger: child(deps, 'display') });
    case 'console':
      return new ConsoleDisplay();
    case 'emulator':
      return new RecordingDisplay(c.width, c.height);
  }
}
