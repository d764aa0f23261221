// The seams of `tessera provision`: everything that touches the OS is injected, so tests run the real steps on a temp root.
import type { Clock } from '#common';

/** A serial port as device discovery reports it; `byId` is the stable /dev/serial/by-id link when udev made one. */
export interface SerialDevice {
  path: string;
  byId?: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  product?: string;
}
export interface HidDevice {
  path?: string;
  vendorId: string;
  productId: string;
  manufacturer?: string;
  product?: string;
  /** 'pos' for HID-POS scanners, 'keyboard' for keyboard-wedge ones. */
  usage?: 'pos' | 'keyboard' | 'other';
}
export interface FramebufferDevice {
  path: string;
  width: number;
  height: number;
  bitsPerPixel: number;
  name?: string;
}
export interface UsblpDevice {
  path: string;
  byId?: string;
  product?: string;
}
export interface DeviceList {
  serial: SerialDevice[];
  hid: HidDevice[];
  framebuffers: FramebufferDevice[];
  usblp: UsblpDevice[];
}

/**
 * Device entries as written under `devices` in the terminal config: the drivers' own config shapes
 * (drivers/config.ts ScannerConfigSchema/PrinterConfigSchema/DisplayConfigSchema); null = none on purpose.
 * Extra keys of an entry (baud rate, profile…) are kept when the type stays the same.
 */
export type DeviceEntry = Record<string, unknown> & { type: string };
export type DeviceRole = 'scanner' | 'printer' | 'display';

/** The `sync` section as provisioning writes it (terminal/sync's syncConfigSchema owns the rest of the fields). */
export interface SyncConfig {
  brokerUrl: string;
  tls?: { ca?: string; cert?: string; key?: string };
  username?: string;
  /** Inline password: no longer written (terminal.json is readable by the tessera group); moved to the credential on the next `provision broker`. */
  password?: string;
  /** The systemd credential holding the password (BROKER_PASSWORD). */
  passwordFile?: string;
}

/** Outcome of one probe: ok, or not with a one-line detail. */
export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export interface ProbeContext {
  /** Resolves an absolute system path under the provisioning root. */
  at(path: string): string;
}

/** Hardware and network probes for `check`; each must settle within its own timeout. */
export interface CheckProbes {
  openDevice(role: DeviceRole, device: Record<string, unknown>, ctx: ProbeContext): Promise<ProbeResult>;
  printerStatus(device: Record<string, unknown>, ctx: ProbeContext): Promise<ProbeResult>;
  displayDraw(device: Record<string, unknown>, ctx: ProbeContext): Promise<ProbeResult>;
  broker(sync: SyncConfig, ctx: ProbeContext): Promise<ProbeResult>;
  diskFree(path: string): Promise<{ freeBytes: number; totalBytes: number }>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Terminal I/O: output streams, and prompts (only used when `interactive`). */
export interface ProvisionIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stdin is a TTY: the only case in which steps may ask. */
  interactive: boolean;
  ask(question: string, defaultValue?: string): Promise<string>;
}

export interface ProvisionDeps {
  /** Every absolute system path (config, state dir, /proc, /etc, /dev) is resolved under this root. Default '/'. */
  root: string;
  clock: Clock;
  io: ProvisionIO;
  /** Throws TesseraError CONFIG_INVALID naming the field path. Default: the daemon's schema plus the drivers' device schemas (#terminal loadConfigValidator). */
  validateConfig(obj: unknown): void;
  listDevices(): Promise<DeviceList>;
  probes: CheckProbes;
  /** Runs a program (openssl, systemctl) without a shell. */
  run(cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** The service user's ids, or undefined when it does not exist (then files keep the caller's ownership). */
  serviceUser(): { uid: number; gid: number } | undefined;
  chown(path: string, uid: number, gid: number): void;
  /** Environment: TESSERA_CONFIG names the config when --config is not given (as for every tessera command). */
  env: NodeJS.ProcessEnv;
  /** Sets the process exit code (commands never call process.exit). */
  setExitCode(code: number): void;
}

export const SERVICE_USER = 'tessera';
export const SERVICE_UNIT = 'tessera.service';
