// The ESC/POS printer driver: checks real-time status, prints, and keeps failed jobs for an explicit reprint.
import { TesseraError, errorMessage, silentLogger, type ErrorCode, type Logger } from '#common';
import type { DeviceBus, DeviceState } from '../events.js';
import { PrinterProfileSchema, type PrinterProfile } from './receipt.js';
import { documentId, encodeDocument, type Printable } from './report.js';
import { DLE_EOT, parseStatus, refusal, type PrinterStatus } from './status.js';
import type { PrinterSession, PrinterTransport } from './transport.js';

export type PrintOutcome = { ok: true; jobId: string } | { ok: false; jobId: string; code: ErrorCode; message: string };

/** A receipt that could not be printed; it stays here until `reprint` or `discard`, never printed on its own. */
export interface PendingJob {
  jobId: string;
  /** The receipt's transaction id, or the report's document id. */
  transactionId: string;
  receipt: Printable;
  code: ErrorCode;
  message: string;
  attempts: number;
}

/** What `tessera status` and the MQTT status show for a printer: its state and, from the last DLE EOT answer, paper, cover and error. */
export interface PrinterHealth {
  /** 'unknown' until the first status answer or print (a write-only transport knows only its last write). */
  state: DeviceState | 'unknown';
  code?: ErrorCode;
  detail?: string;
  paper?: 'ok' | 'near-end' | 'out';
  coverOpen?: boolean;
  error?: boolean;
  online?: boolean;
  /** When the printer last answered a status query (ms). */
  checkedAt?: number;
}

export interface PrinterHandle {
  /** Prints now or reports why not. Never throws, never retries by itself: the payment is unaffected. */
  print(receipt: Printable): Promise<PrintOutcome>;
  /** Prints a pending job again (marked REPRINT), on an operator's or customer's request. */
  reprint(jobId: string): Promise<PrintOutcome>;
  pending(): PendingJob[];
  discard(jobId: string): boolean;
  /** Current status, or undefined when the transport cannot read back. Throws PRINTER_* on failure. */
  queryStatus(): Promise<PrinterStatus | undefined>;
  /** The latest known health, without I/O. */
  status(): PrinterHealth;
  close(): Promise<void>;
}

export interface PrinterDriver {
  open(): Promise<PrinterHandle>;
}

export interface EscPosPrinterOptions {
  transport: PrinterTransport;
  profile?: Partial<PrinterProfile>;
  /** How long a status query may take before the printer counts as not answering. */
  statusTimeoutMs?: number;
  /** Pending jobs kept for reprint; the oldest is dropped (and logged) beyond this. */
  maxPending?: number;
  /**
   * Between receipts, ask a printer that reads back for its status this often (ms; 0: only at open
   * and around each print), so paper running out or a cover left open shows before the next payment.
   */
  statusPollMs?: number;
  /** Wall clock for `checkedAt` (default Date.now). */
  now?: () => number;
  logger?: Logger;
  bus?: DeviceBus;
}

export class EscPosPrinter implements PrinterDriver {
  constructor(private readonly options: EscPosPrinterOptions) {}

  async open(): Promise<PrinterHandle> {
    const h = new EscPosPrinterHandle(this.options);
    h.startPolling();
    return h;
  }
}

class EscPosPrinterHandle implements PrinterHandle {
  private readonly jobs = new Map<string, PendingJob>();
  private readonly profile: PrinterProfile;
  private readonly log: Logger;
  private chain: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private lastState: DeviceState | undefined;
  private health: PrinterHealth = { state: 'unknown' };
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: EscPosPrinterOptions) {
    this.profile = PrinterProfileSchema.parse(o.profile ?? {});
    this.log = o.logger ?? silentLogger();
  }

  print(receipt: Printable): Promise<PrintOutcome> {
    const jobId = `${++this.seq}-${documentId(receipt)}`;
    return this.serial(() => this.run(jobId, receipt, false));
  }

  reprint(jobId: string): Promise<PrintOutcome> {
    const job = this.jobs.get(jobId);
    if (!job) return Promise.resolve({ ok: false, jobId, code: 'PRINTER_JOB_NOT_FOUND', message: `no pending print job ${jobId}` });
    return this.serial(() => this.run(jobId, job.receipt, true));
  }

  pending(): PendingJob[] {
    return [...this.jobs.values()].map((j) => ({ ...j }));
  }

  discard(jobId: string): boolean {
    return this.jobs.delete(jobId);
  }

  /** Queued behind any print: one session with the printer at a time. */
  queryStatus(): Promise<PrinterStatus | undefined> {
    return this.serial(async () => {
      if (!this.o.transport.readsBack) return undefined;
      let session: PrinterSession | undefined;
      try {
        session = await this.o.transport.connect();
        const status = await this.poll(session);
        const no = refusal(status, this.profile.printOnNearEnd);
        if (no) this.state(no.state, no.code, no.why);
        else this.state(status.paperNearEnd ? 'paper-near-end' : 'ready');
        return status;
      } catch (e) {
        const err = e instanceof TesseraError ? e : new TesseraError('PRINTER_ERROR', errorMessage(e), { cause: e });
        this.state('disconnected', err.code, err.message);
        throw err;
      } finally {
        await session?.close().catch(() => {});
      }
    });
  }

  status(): PrinterHealth {
    return { ...this.health };
  }

  /** A first status query now, then every `statusPollMs` (failures are in the state; nothing is thrown). */
  startPolling(): void {
    if (!this.o.transport.readsBack) return;
    const poll = (): void => void this.queryStatus().catch(() => undefined);
    poll();
    const every = this.o.statusPollMs ?? 0;
    if (every > 0) {
      this.pollTimer = setInterval(poll, every);
      this.pollTimer.unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pollTimer);
    await this.chain.catch(() => {});
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => {});
    return next;
  }

  private async poll(session: PrinterSession): Promise<PrinterStatus> {
    const t = this.o.statusTimeoutMs ?? 2000;
    const [p] = await session.request(DLE_EOT(1), 1, t);
    const [off] = await session.request(DLE_EOT(2), 1, t);
    const [paper] = await session.request(DLE_EOT(4), 1, t);
    const s = parseStatus(p ?? 0, off ?? 0, paper ?? 0);
    this.health = {
      ...this.health,
      paper: s.paperOut ? 'out' : s.paperNearEnd ? 'near-end' : 'ok',
      coverOpen: s.coverOpen,
      error: s.error,
      online: s.online,
      checkedAt: (this.o.now ?? Date.now)(),
    };
    return s;
  }

  private async run(jobId: string, receipt: Printable, reprint: boolean): Promise<PrintOutcome> {
    if (this.closed) return this.fail(jobId, receipt, new TesseraError('PRINTER_UNAVAILABLE', 'printer closed'), reprint);
    let session: PrinterSession | undefined;
    try {
      const bytes = encodeDocument(receipt, this.profile, { reprint });
      session = await this.o.transport.connect();
      if (this.o.transport.readsBack) {
        const status = await this.poll(session);
        const no = refusal(status, this.profile.printOnNearEnd);
        if (no) {
          this.state(no.state, no.code, no.why);
          throw new TesseraError(no.code, `printer refused the receipt: ${no.why}`);
        }
        this.state(status.paperNearEnd ? 'paper-near-end' : 'ready');
      } else {
        this.state('ready');
      }
      await session.write(bytes);
      if (this.o.transport.readsBack) {
        // A printer that ran out mid-receipt answers the next query with paper-out: report, do not claim success.
        const after = refusal(await this.poll(session), true);
        if (after) {
          this.state(after.state, after.code, after.why);
          throw new TesseraError(after.code, `receipt may be incomplete: ${after.why}`);
        }
      }
      this.jobs.delete(jobId);
      this.log.info({ jobId, reprint }, 'receipt printed');
      this.o.bus?.emit('printer:job', { jobId, state: reprint ? 'reprinted' : 'printed' });
      return { ok: true, jobId };
    } catch (e) {
      const err = e instanceof TesseraError ? e : new TesseraError('PRINTER_ERROR', errorMessage(e), { cause: e });
      if (err.code === 'PRINTER_UNAVAILABLE' || err.code === 'PRINTER_TIMEOUT') this.state('disconnected', err.code, err.message);
      else if (this.health.state === 'ready' || this.health.state === 'unknown') this.state('error', err.code, err.message);
      return this.fail(jobId, receipt, err, reprint);
    } finally {
      await session?.close().catch(() => {});
    }
  }

  private fail(jobId: string, receipt: Printable, err: TesseraError, reprint: boolean): PrintOutcome {
    const prev = this.jobs.get(jobId);
    this.jobs.set(jobId, { jobId, transactionId: documentId(receipt), receipt, code: err.code, message: err.message, attempts: (prev?.attempts ?? 0) + 1 });
    const max = this.o.maxPending ?? 50;
    while (this.jobs.size > max) {
      const oldest = this.jobs.keys().next().value as string;
      this.jobs.delete(oldest);
      this.log.warn({ jobId: oldest }, 'pending print job dropped (too many)');
    }
    this.log.warn({ jobId, code: err.code, reprint, err: err.message }, 'receipt not printed; kept for reprint');
    this.o.bus?.emit('printer:job', { jobId, state: 'failed', code: err.code });
    return { ok: false, jobId, code: err.code, message: err.message };
  }

  private state(state: DeviceState, code?: ErrorCode, detail?: string): void {
    const { paper, coverOpen, error, online, checkedAt } = this.health;
    this.health = { state, ...(code ? { code } : {}), ...(detail ? { detail } : {}), ...(paper ? { paper, coverOpen, error, online, checkedAt } : {}) };
    if (state === this.lastState) return;
    this.lastState = state;
    this.o.bus?.emit('device:status', { device: 'printer', state, code, detail });
  }
}
