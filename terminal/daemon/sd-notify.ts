// Tells systemd the daemon is ready, alive and stopping (sd_notify) by running systemd-notify.
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { errorMessage, silentLogger, type Logger } from '#common';

/** The process seam: node's `spawn`, or a fake in tests. */
export type NotifySpawn = (command: string, args: string[], options: SpawnOptions) => ChildProcess;

export interface TimerSeam {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface NotifierOptions {
  /** Environment read for NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (default: process.env). */
  env?: NodeJS.ProcessEnv;
  spawn?: NotifySpawn;
  /** The daemon's PID, sent as MAINPID with READY (default: process.pid). */
  pid?: number;
  /** The helper binary (default: systemd-notify from PATH). */
  command?: string;
  /** A helper still running after this long is killed and the message counted as lost. */
  timeoutMs?: number;
  timers?: TimerSeam;
  logger?: Logger;
}

const statusField = (text: string): string => `STATUS=${text.replace(/[\r\n]+/g, ' ')}`;

const defaultTimers: TimerSeam = {
  setInterval: (fn, ms) => {
    const handle = setInterval(fn, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/**
 * Node cannot send AF_UNIX datagrams, so each message is one `systemd-notify` run (see
 * docs/decisions.md D-notify). systemd-notify waits (BARRIER=1) until the manager has read the
 * message, which is what lets NotifyAccess=all attribute it to our unit after the helper exits.
 * Messages go out one at a time, in call order. Nothing is ever spawned without NOTIFY_SOCKET.
 * A lost message is logged, never thrown: notification must not take the daemon down.
 */
export class Notifier {
  private readonly env: NodeJS.ProcessEnv;
  private readonly spawnFn: NotifySpawn;
  private readonly pid: number;
  private readonly command: string;
  private readonly timeoutMs: number;
  private readonly timers: TimerSeam;
  private readonly log: Logger;
  private queue: Promise<unknown> = Promise.resolve();
  private watchdogHandle: unknown = undefined;
  private missingHelperLogged = false;
  private pingPending = false;

  constructor(options: NotifierOptions = {}) {
    this.env = options.env ?? process.env;
    this.spawnFn = options.spawn ?? nodeSpawn;
    this.pid = options.pid ?? process.pid;
    this.command = options.command ?? 'systemd-notify';
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.timers = options.timers ?? defaultTimers;
    this.log = options.logger ?? silentLogger();
  }

  /** True when started by systemd with Type=notify (NOTIFY_SOCKET is set). */
  get enabled(): boolean {
    const socket = this.env.NOTIFY_SOCKET;
    return socket !== undefined && socket !== '';
  }

  /**
   * Milliseconds between watchdog pings: half of WATCHDOG_USEC, as sd_watchdog_enabled(3)
   * recommends; undefined when no watchdog is asked for us (unset, zero, or for another PID).
   */
  get watchdogIntervalMs(): number | undefined {
    if (!this.enabled) return undefined;
    const usec = Number(this.env.WATCHDOG_USEC ?? '');
    if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
    const forPid = this.env.WATCHDOG_PID;
    if (forPid !== undefined && forPid !== '' && Number(forPid) !== this.pid) return undefined;
    return Math.max(1, Math.floor(usec / 2000));
  }

  /** READY=1 with our MAINPID (and STATUS= in the same message): call once the daemon takes payments. */
  ready(status?: string): Promise<boolean> {
    return this.send(status === undefined ? ['READY=1'] : ['READY=1', statusField(status)], true);
  }

  watchdog(): Promise<boolean> {
    return this.send(['WATCHDOG=1']);
  }

  /** STOPPING=1: call first thing on SIGTERM, before finishing the payment in progress. */
  stopping(): Promise<boolean> {
    return this.send(['STOPPING=1']);
  }

  /** RELOADING=1 with the monotonic time systemd 253+ asks for; READY=1 ends the reload. */
  reloading(): Promise<boolean> {
    return this.send(['RELOADING=1', `MONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`]);
  }

  /** A one-line status shown by `systemctl status tessera`. */
  status(text: string): Promise<boolean> {
    return this.send([statusField(text)]);
  }

  /**
   * Starts pinging at half of WATCHDOG_USEC; a no-op without a watchdog. Returns the interval.
   * A live event loop is not a working daemon: while `unhealthy` returns a reason no ping is sent,
   * so systemd restarts a daemon that hangs without blocking (a decision that never finishes).
   */
  startWatchdog(unhealthy?: () => string | undefined): number | undefined {
    const interval = this.watchdogIntervalMs;
    if (interval === undefined || this.watchdogHandle !== undefined) return interval;
    let withheld: string | undefined;
    this.watchdogHandle = this.timers.setInterval(() => {
      const why = unhealthy?.();
      if (why !== undefined) {
        if (withheld === undefined) {
          this.log.error({ why }, 'daemon unhealthy: watchdog pings withheld, systemd will restart it');
          void this.status(`unhealthy: ${why}`);
        }
        withheld = why;
        return;
      }
      if (withheld !== undefined) this.log.warn({ was: withheld }, 'daemon healthy again: watchdog pings resumed');
      withheld = undefined;
      // A ping still queued behind a slow helper already proves liveness; don't pile up more.
      if (this.pingPending) return;
      this.pingPending = true;
      void this.watchdog().finally(() => (this.pingPending = false));
    }, interval);
    return interval;
  }

  stopWatchdog(): void {
    if (this.watchdogHandle === undefined) return;
    this.timers.clearInterval(this.watchdogHandle);
    this.watchdogHandle = undefined;
  }

  /** Sends the fields as one message; resolves true when systemd-notify reported success. */
  send(fields: string[], withPid = false): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    const args = withPid ? [`--pid=${this.pid}`, ...fields] : [...fields];
    const result = this.queue.then(() => this.run(args));
    this.queue = result;
    return result;
  }

  private run(args: string[]): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (ok: boolean, why?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!ok && why !== undefined) this.log.warn({ args, why }, 'sd_notify message not delivered');
        resolve(ok);
      };
      let child: ChildProcess;
      try {
        child = this.spawnFn(this.command, args, { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (e) {
        resolve(false);
        this.log.warn({ args, why: errorMessage(e) }, 'sd_notify message not delivered');
        return;
      }
      let stderr = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        if (stderr.length < 1000) stderr += chunk;
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done(false, `${this.command} still running after ${this.timeoutMs} ms`);
      }, this.timeoutMs);
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' && this.missingHelperLogged) return done(false, undefined);
        if (e.code === 'ENOENT') this.missingHelperLogged = true;
        done(false, errorMessage(e));
      });
      child.on('close', (code, signal) => {
        if (code === 0) done(true);
        else done(false, `${this.command} exited ${code ?? signal}: ${stderr.trim()}`);
      });
    });
  }
}
