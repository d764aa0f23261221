// The tessera daemon: wires config, store, trusted time, devices, checkout, control API and extra components.
import { getHeapStatistics } from 'node:v8';
import { TesseraError, silentLogger, systemClock, componentLogger, errorMessage, isTesseraError, type Clock, type Logger } from '#common';
import { decodeObject, toHex, type CryptoBackend } from '#protocol';
import { Store, type DbFactory } from '../store/index.js';
import { TrustedClock } from '../time.js';
import type { TerminalConfig } from '../config.js';
import { Checkout } from '../checkout/checkout.js';
import { NullDisplay, type DeviceStatusLike, type DisplayLike, type PrinterLike, type ScannerLike } from '../checkout/devices.js';
import { FleetState, type FleetApplyResult } from '../checkout/fleet.js';
import type { FleetFreshness } from '../checkout/limits.js';
import { buildIdentity, checkTerminalSection, readInstalledFiles, type InstalledFiles, type TerminalIdentity } from '../checkout/identity.js';
import { ControlApi } from '../api/server.js';

export const TESSERA_VERSION = '0.1.0';

/**
 * Which build of the daemon runs: 'bundle' from the single file dist/tessera-daemon.mjs that
 * scripts/bundle.mjs makes (what `tessera daemon` runs after `make build`), 'modules' from tsc's
 * per-file output. tsc emits .js only, so this module runs from a .mjs only inside the bundle.
 */
export const DAEMON_BUILD: 'bundle' | 'modules' = import.meta.url.endsWith('.mjs') ? 'bundle' : 'modules';

/** The systemd notifier seam (terminal/daemon/sd-notify.ts `Notifier` fits it). */
export interface NotifierLike {
  /** READY=1, with the status line in the same message when given. */
  ready(status?: string): unknown;
  stopping(): unknown;
  /** RELOADING=1 (SIGHUP): READY=1 follows when the config is re-read. */
  reloading?(): unknown;
  status(text: string): unknown;
  /** Pings while `unhealthy` returns undefined. */
  startWatchdog(unhealthy?: () => string | undefined): unknown;
  stopWatchdog?(): void;
  stop?(): void;
}

export const noopNotifier: NotifierLike = { ready: () => false, stopping: () => false, status: () => false, startWatchdog: () => undefined };

/** Something else the daemon runs (MQTT sync, …): started after the checkout, stopped before it. */
export interface ExtraComponent {
  name: string;
  start(): unknown;
  stop(): unknown;
  status?(): unknown;
}

/** What device factories and extra components get to work with. */
export interface DaemonContext {
  config: TerminalConfig;
  store: Store;
  fleet: FleetState;
  identity: TerminalIdentity;
  trustedClock: TrustedClock;
  checkout: Checkout;
  clock: Clock;
  log: Logger;
  /** Every device kind's current status, as `tessera status` shows it (the MQTT status carries it too). */
  devices: () => Record<string, DeviceStatusLike>;
}

export interface DeviceContext {
  mode: 'merchant' | 'transit';
  log: Logger;
}

/** Builds devices from their config sections; the drivers' createScanner/createDisplay/createPrinter plug in here. */
export interface DeviceFactory {
  scanner?(config: unknown, ctx: DeviceContext): Promise<ScannerLike | undefined>;
  display?(config: unknown, ctx: DeviceContext): Promise<DisplayLike | undefined>;
  printer?(config: unknown, ctx: DeviceContext): Promise<PrinterLike | undefined>;
}

export interface DaemonOptions {
  config: TerminalConfig;
  clock?: Clock;
  log?: Logger;
  devices?: DeviceFactory;
  notifier?: NotifierLike;
  components?: ExtraComponent[] | ((ctx: DaemonContext) => ExtraComponent[]);
  dbFactory?: DbFactory;
  backend?: CryptoBackend;
  /** Installed files, when the caller already has them (tests); otherwise read from config paths. */
  files?: InstalledFiles;
  random?: (n: number) => Uint8Array;
  /** Serves the control API (default true). */
  api?: boolean;
  /** A decision running longer than this (ms) makes the daemon unhealthy: watchdog pings stop (default 20 s). */
  stuckDecisionMs?: number;
  /** The process's memory for `status` (default: this process's; tests inject figures). */
  memory?: () => MemoryFigures;
}

/** What a technician checks against the 100 MB budget and the unit's heap cap (docs/decisions.md D10). */
export interface MemoryFigures {
  rssMb: number;
  heapUsedMb: number;
  /** V8's heap limit: the unit's --max-old-space-size plus the young generation. */
  heapLimitMb: number;
}

const mb1 = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

export function processMemory(): MemoryFigures {
  const m = process.memoryUsage();
  return { rssMb: mb1(m.rss), heapUsedMb: mb1(m.heapUsed), heapLimitMb: mb1(getHeapStatistics().heap_size_limit) };
}

export class Daemon {
  readonly log: Logger;
  readonly clock: Clock;
  store: Store | undefined;
  fleet: FleetState | undefined;
  identity: TerminalIdentity | undefined;
  trustedClock: TrustedClock | undefined;
  checkout: Checkout | undefined;
  api: ControlApi | undefined;
  scanner: ScannerLike | undefined;
  display: DisplayLike | undefined;
  printer: PrinterLike | undefined;
  private components: ExtraComponent[] = [];
  /** Devices configured but not opened, and why (status shows them as `error`, not `absent`). */
  private readonly openFailures = new Map<string, DeviceStatusLike>();
  /** Extra components whose start failed, with the error status shows. */
  private readonly failed = new Map<string, { code: string; message: string }>();

  /** A running extra component by name (the API reaches sync through this). */
  component(name: string): ExtraComponent | undefined {
    return this.components.find((c) => c.name === name);
  }

  /** Why an extra component is not running, when its start failed. */
  componentFailure(name: string): { code: string; message: string } | undefined {
    return this.failed.get(name);
  }
  private started: ExtraComponent[] = [];
  private checkpointTimer: NodeJS.Timeout | undefined;
  private detachScanner: (() => void) | undefined;
  private readonly notifier: NotifierLike;
  private startedAtMs = 0;
  private running = false;

  constructor(private readonly o: DaemonOptions) {
    this.log = o.log ?? silentLogger();
    this.clock = o.clock ?? systemClock;
    this.notifier = o.notifier ?? noopNotifier;
  }

  /** Starts everything in dependency order; on failure, stops what was started and rethrows. */
  async start(): Promise<void> {
    const cfg = this.o.config;
    this.startedAtMs = this.clock.now();
    this.failed.clear();
    try {
      const files = this.o.files ?? readInstalledFiles(cfg.identity, this.o.backend);
      // The store signs records in the certificate's terminal id; the certificate is verified just below.
      const unverified = decodeObject('TERMINAL_CERT', files.certBytes);
      if (!unverified.ok) throw new TesseraError('KEY_INVALID', `terminal certificate: ${unverified.reason} (${unverified.detail})`);
      this.store = new Store({
        path: cfg.database.path,
        // A missing journal is refused, never silently started empty: provisioning creates it.
        create: false,
        terminalId: unverified.value.value.terminalId,
        signer: files.signer,
        log: componentLogger(this.log, 'store'),
        ...(this.o.dbFactory ? { factory: this.o.dbFactory } : {}),
      });
      this.store.start();
      this.fleet = new FleetState(this.store, {
        rootPublicKey: files.rootPublicKey,
        trustListBytes: files.trustListBytes,
        terminalId: unverified.value.value.terminalId,
        ...(this.o.backend ? { backend: this.o.backend } : {}),
      });
      this.fleet.start();
      const identity = buildIdentity(files.signer, files.certBytes, this.fleet.trust);
      checkTerminalSection(cfg.terminal, identity.cert);
      this.identity = identity;
      this.trustedClock = new TrustedClock(this.clock, this.store, cfg.clock.slackSeconds * 1000);
      this.store.onSignedTime = (ms) => this.onSignedTime(ms);
      const now = this.trustedClock.now();
      const store = this.store;
      // A full disk (e.g. after a power cut) must not keep the daemon from starting: these writes can
      // wait, and the terminal starts showing and reporting STORAGE_FAILED until space returns.
      this.unlessDiskFails('start-up state', () => {
        if (now.ms !== null) {
          this.trustedClock!.checkpoint();
          if (store.getKv('offline_since_ms') === undefined) store.setKv('offline_since_ms', String(now.ms));
        } else this.log.warn({ wallMs: now.wallMs, hwmMs: now.hwmMs }, 'clock is behind the last trusted time: payments are refused until it is corrected');
        this.applyInstalledFleet(files.fleet ?? [], now.seconds, now.ms ?? now.hwmMs);
      });

      await this.openDevices(identity.mode);
      this.checkout = new Checkout({
        store,
        fleet: this.fleet,
        trustedClock: this.trustedClock,
        clock: this.clock,
        identity,
        display: this.display ?? new NullDisplay(),
        printer: this.printer,
        config: cfg,
        offlineSinceMs: () => Number(store.getKv('offline_since_ms') ?? this.startedAtMs),
        log: componentLogger(this.log, 'checkout'),
        ...(this.o.random ? { random: this.o.random } : {}),
      });
      this.checkout.start();
      if (this.scanner) this.detachScanner = this.checkout.attachScanner(this.scanner);

      if (this.o.api !== false) {
        this.api = new ControlApi({ daemon: this, config: cfg.api, locale: cfg.locale, version: TESSERA_VERSION, clock: this.clock, log: componentLogger(this.log, 'api') });
        await this.api.start();
      }
      const ctx: DaemonContext = {
        config: cfg,
        store: this.store,
        fleet: this.fleet,
        identity,
        trustedClock: this.trustedClock,
        checkout: this.checkout,
        clock: this.clock,
        log: this.log,
        devices: () => this.deviceStatus(),
      };
      this.components = typeof this.o.components === 'function' ? this.o.components(ctx) : (this.o.components ?? []);
      for (const c of this.components) await this.startComponent(c);
      this.checkpointTimer = setInterval(() => this.checkpoint(), cfg.clock.checkpointSeconds * 1000);
      this.checkpointTimer.unref();
      this.running = true;
      // One message, so one helper process at start (docs/decisions.md D-notify): the status
      // line does not cost a second spawn while the first scan may already be arriving.
      await this.notifier.ready(`${identity.mode} terminal ${identity.terminalId} ready`);
      this.notifier.startWatchdog(() => this.unhealthy());
      this.log.info({ terminalId: identity.terminalId, mode: identity.mode, journalHead: this.store.journalHead, build: DAEMON_BUILD }, 'daemon started');
    } catch (e) {
      this.log.error({ err: e }, 'daemon failed to start');
      await this.stop();
      throw e;
    }
  }

  /**
   * Extra components are optional (sync: the terminal takes offline payments without it): one that
   * fails to start (a missing TLS file, an unreadable password) is logged, shown in status as
   * failed with its error, and stopped again; the daemon starts and takes payments without it.
   */
  private async startComponent(c: ExtraComponent): Promise<void> {
    try {
      await c.start();
      this.started.push(c);
    } catch (e) {
      const err = isTesseraError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: errorMessage(e) };
      this.failed.set(c.name, err);
      this.log.error({ err: e, component: c.name }, 'component failed to start; the terminal runs on without it');
      try {
        await c.stop();
      } catch {
        // it did not start: nothing of it to stop is the usual case
      }
    }
  }

  /** The bundle's fleet messages: applied unless sync already brought these or newer versions (ROLLBACK is then expected). */
  private applyInstalledFleet(messages: { file: string; text: string }[], nowSeconds: number | null, nowMs: number): void {
    for (const m of messages) {
      const r = this.fleet!.apply(m.text, nowSeconds, nowMs);
      if (r.ok) this.log.info({ file: m.file, kind: r.kind, version: r.version }, 'installed fleet message applied');
      else if (r.reason === 'ROLLBACK') this.log.debug({ file: m.file }, 'installed fleet message already applied or superseded');
      else this.log.warn({ file: m.file, reason: r.reason, detail: r.detail }, 'installed fleet message refused');
    }
  }

  private async openDevices(mode: 'merchant' | 'transit'): Promise<void> {
    const f = this.o.devices ?? {};
    const d = this.o.config.devices;
    const ctx = (name: string): DeviceContext => ({ mode, log: componentLogger(this.log, name) });
    // A failing device logs and the daemon runs on: status shows it, the drivers retry.
    const open = async <T>(name: string, fn: (() => Promise<T | undefined>) | undefined): Promise<T | undefined> => {
      if (!fn) return undefined;
      try {
        return await fn();
      } catch (e) {
        this.log.error({ err: e, device: name }, 'device failed to open');
        const code = isTesseraError(e) ? e.code : name === 'printer' ? 'PRINTER_UNAVAILABLE' : `${name.toUpperCase()}_OPEN_FAILED`;
        this.openFailures.set(name, { state: 'error', code, detail: errorMessage(e) });
        return undefined;
      }
    };
    // The factory decides what an absent or null entry means (the drivers' factory: no device).
    // Opened together: one device's I/O (a serial port, a framebuffer write) overlaps another's setup.
    [this.display, this.scanner, this.printer] = await Promise.all([
      open('display', f.display && (() => f.display!(d.display, ctx('display')))),
      open('scanner', f.scanner && (() => f.scanner!(d.scanner, ctx('scanner')))),
      mode === 'merchant' ? open('printer', f.printer && (() => f.printer!(d.printer, ctx('printer')))) : undefined,
    ]);
  }

  /** A newly applied signed message may show that the time mark, not the clock, is wrong (terminal/time.ts). */
  private onSignedTime(issuedAtMs: number): void {
    const mark = this.trustedClock?.signedTime(issuedAtMs);
    if (mark === undefined) return;
    this.log.warn({ markMs: mark, wallMs: this.clock.now() }, 'time mark brought back by a newly applied signed message: the clock is trusted again');
    this.checkout?.showHome();
  }

  /** Runs writes that may wait; a disk failure (the store notes it) is logged, anything else rethrown. */
  private unlessDiskFails(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (this.store?.storageFault() === undefined) throw e;
      this.log.error({ err: e }, `${what} not written: storage failed; payments are declined STORAGE_FAILED until it is writable`);
    }
  }

  private checkpoint(): void {
    try {
      this.trustedClock?.checkpoint();
      this.checkout?.showHome();
    } catch (e) {
      this.log.warn({ err: e }, 'time checkpoint failed');
    }
  }

  /** Stops in reverse order; safe to call more than once and after a failed start. */
  async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    if (wasRunning) await this.notifier.stopping();
    this.notifier.stopWatchdog?.();
    this.notifier.stop?.();
    clearInterval(this.checkpointTimer);
    for (const c of this.started.reverse()) {
      try {
        await c.stop();
      } catch (e) {
        this.log.error({ err: e, component: c.name }, 'component failed to stop');
      }
    }
    this.started = [];
    await this.api?.stop();
    this.api = undefined;
    this.detachScanner?.();
    await this.checkout?.stop();
    for (const dev of [this.scanner, this.printer, this.display]) {
      try {
        await dev?.close?.();
      } catch (e) {
        this.log.warn({ err: e }, 'device close failed');
      }
    }
    try {
      if (this.trustedClock && this.store) this.trustedClock.checkpoint();
    } catch {
      // the store may be the thing that failed
    }
    // The last decisions get their signed head checkpoint before the file closes (verify-journal anchors the head with it).
    await this.store?.checkpointHead().catch((e: unknown) => this.log.warn({ err: e }, 'head checkpoint not written'));
    this.store?.stop();
    this.store = undefined;
    if (wasRunning) this.log.info('daemon stopped');
  }

  /** Applies a signed update given as QR text (TL1:/TF1:) or bytes. */
  applyUpdate(input: string | Uint8Array): FleetApplyResult {
    const now = this.trustedClock!.now();
    const r = this.fleet!.apply(input, now.seconds, now.ms ?? now.hwmMs);
    if (r.ok) this.checkout?.showHome();
    return r;
  }

  /**
   * Why the daemon no longer works although its event loop runs, or undefined. A blocked event loop
   * stops the pings by itself; this catches the hang that does not block (a decision awaiting
   * something that never comes), which would otherwise leave a dead till that systemd thinks alive.
   */
  unhealthy(): string | undefined {
    const ms = this.checkout?.decidingForMs() ?? 0;
    const limit = this.o.stuckDecisionMs ?? 20_000;
    return ms > limit ? `a decision has been running for ${Math.round(ms / 1000)} s (limit ${limit / 1000} s)` : undefined;
  }

  /** Each device kind: its driver's own status, `absent` when none is configured or it failed to open. */
  deviceStatus(): Record<string, DeviceStatusLike> {
    const dev = (d: { status?(): DeviceStatusLike } | undefined, name: string): DeviceStatusLike => {
      if (!d) return this.openFailures.get(name) ?? { state: 'absent' };
      try {
        return d.status?.() ?? { state: 'unknown' };
      } catch (e) {
        return { state: 'error', detail: errorMessage(e) };
      }
    };
    const merchant = this.identity?.mode === 'merchant';
    return { scanner: dev(this.scanner, 'scanner'), display: dev(this.display, 'display'), printer: merchant ? dev(this.printer, 'printer') : { state: 'not-used' } };
  }

  status(): DaemonStatus {
    const store = this.store!;
    const t = this.trustedClock!.now();
    const components: Record<string, unknown> = {};
    for (const c of this.components) {
      const failure = this.failed.get(c.name);
      if (failure) {
        components[c.name] = { state: 'failed', error: failure };
        continue;
      }
      try {
        components[c.name] = c.status?.() ?? 'running';
      } catch (e) {
        components[c.name] = { error: errorMessage(e) };
      }
    }
    if (this.api) components.api = this.api.status();
    const co = this.checkout!;
    const why = co.outOfServiceReason();
    const sick = this.unhealthy();
    const storageFault = store.storageFault();
    return {
      version: TESSERA_VERSION,
      build: DAEMON_BUILD,
      terminalId: this.identity!.terminalId,
      merchantId: this.identity!.merchantId,
      displayName: this.identity!.displayName,
      mode: co.mode,
      ready: why === undefined,
      ...(why ? { notReady: why } : {}),
      ...(sick ? { unhealthy: sick } : {}),
      uptimeSeconds: Math.round((this.clock.now() - this.startedAtMs) / 1000),
      clock: { trusted: t.ms !== null, wallMs: t.wallMs, highWaterMarkMs: t.hwmMs },
      journal: { head: store.journalHead, ackedUpTo: store.ackedUpTo(), backlog: store.backlog(), lastSyncMs: store.lastSyncMs() },
      storage: storageFault === undefined ? { ok: true } : { ok: false, error: 'STORAGE_FAILED', detail: storageFault },
      unsynced: store.unsyncedApproved(),
      latency: co.latency(),
      counters: { ...co.counters },
      payment: co.current() ?? null,
      fleet: this.fleet!.summary(),
      freshness: co.freshness(),
      terminalCert: { notBefore: this.identity!.cert.notBefore, notAfter: this.identity!.cert.notAfter, publicKey: toHex(this.identity!.signer.publicKey) },
      devices: this.deviceStatus(),
      components,
      memory: (this.o.memory ?? processMemory)(),
    };
  }
}

export interface DaemonStatus {
  version: string;
  build: 'bundle' | 'modules';
  terminalId: string;
  merchantId: string;
  displayName: string;
  mode: 'merchant' | 'transit';
  ready: boolean;
  notReady?: string;
  /** Set while the watchdog pings are withheld (docs/faults.md, "Daemon hung"). */
  unhealthy?: string;
  uptimeSeconds: number;
  clock: { trusted: boolean; wallMs: number; highWaterMarkMs: number };
  journal: { head: number; ackedUpTo: number; backlog: number; lastSyncMs: number | null };
  /** The database's writability: STORAGE_FAILED while writes fail on the disk (full, I/O). */
  storage: { ok: true } | { ok: false; error: 'STORAGE_FAILED'; detail: string };
  unsynced: { count: number; amount: number };
  latency: ReturnType<Checkout['latency']>;
  counters: Checkout['counters'];
  memory: MemoryFigures;
  payment: ReturnType<Checkout['current']> | null;
  fleet: ReturnType<FleetState['summary']>;
  /** Trust- and deny-list ages against their limits: "stale-soon" warns before payments are declined as TRUST_STALE. */
  freshness: FleetFreshness;
  terminalCert: { notBefore: number; notAfter: number; publicKey: string };
  devices: Record<string, DeviceStatusLike>;
  components: Record<string, unknown>;
}
