// Printer transports: TCP 9100, serial, and the usblp device file; each opens a session per job.
import net from 'node:net';
import { open } from 'node:fs/promises';
import { serialPort } from '../lazy.js';
import { TesseraError, errorMessage } from '#common';

/** One connection to a printer, for the length of one job. */
export interface PrinterSession {
  write(bytes: Uint8Array): Promise<void>;
  /** Sends `query` and resolves with the next `n` bytes the printer sends back; PRINTER_TIMEOUT after `timeoutMs`. */
  request(query: Uint8Array, n: number, timeoutMs: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface PrinterTransport {
  /** Whether the printer can answer status queries over this link. */
  readonly readsBack: boolean;
  readonly description: string;
  connect(): Promise<PrinterSession>;
}

/** Collects bytes a link receives and hands them to whoever asked a question. */
class ReplyCollector {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | undefined;

  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    this.waiter?.();
  }

  async take(n: number, timeoutMs: number, what: string): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.buf.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new TesseraError('PRINTER_TIMEOUT', `printer did not answer the status query (${what}) within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return new Uint8Array(out);
  }
}

export class TcpPrinterTransport implements PrinterTransport {
  readonly readsBack = true;
  readonly description: string;

  constructor(
    private readonly host: string,
    private readonly port = 9100,
    private readonly connectTimeoutMs = 3000,
  ) {
    this.description = `tcp://${host}:${port}`;
  }

  connect(): Promise<PrinterSession> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: this.host, port: this.port, noDelay: true });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new TesseraError('PRINTER_TIMEOUT', `no TCP connection to ${this.description} within ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      const collector = new ReplyCollector();
      sock.on('data', (d) => collector.push(d));
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(new TesseraError('PRINTER_UNAVAILABLE', `printer ${this.description}: ${errorMessage(err)}`, { cause: err }));
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.on('error', () => {}); // later errors surface as failed writes
        resolve({
          write: (bytes) =>
            new Promise((res, rej) =>
              sock.write(bytes, (err) => (err ? rej(new TesseraError('PRINTER_UNAVAILABLE', `write to ${this.description} failed: ${errorMessage(err)}`)) : res())),
            ),
          request: async (query, n, timeoutMs) => {
            sock.write(query);
            return collector.take(n, timeoutMs, this.description);
          },
          close: () =>
            new Promise<void>((res) => {
              if (sock.destroyed) return res();
              sock.end(() => res());
              setTimeout(() => (sock.destroy(), res()), 1000).unref();
            }),
        });
      });
    });
  }
}

export class SerialPrinterTransport implements PrinterTransport {
  readonly readsBack = true;
  readonly description: string;

  constructor(
    private readonly path: string,
    private readonly baudRate = 19200,
  ) {
    this.description = `serial:${path}`;
  }

  connect(): Promise<PrinterSession> {
    return new Promise((resolve, reject) => {
      const port = new (serialPort())({ path: this.path, baudRate: this.baudRate, autoOpen: false });
      port.open((err) => {
        if (err) return reject(new TesseraError('PRINTER_UNAVAILABLE', `printer ${this.description}: ${errorMessage(err)}`, { cause: err }));
        const collector = new ReplyCollector();
        port.on('data', (d: Buffer) => collector.push(d));
        port.on('error', () => {});
        resolve({
          write: (bytes) =>
            new Promise((res, rej) => {
              port.write(Buffer.from(bytes));
              port.drain((e) => (e ? rej(new TesseraError('PRINTER_UNAVAILABLE', errorMessage(e))) : res()));
            }),
          request: async (query, n, timeoutMs) => {
            port.write(Buffer.from(query));
            return collector.take(n, timeoutMs, this.description);
          },
          close: () => new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res())),
        });
      });
    });
  }
}

/**
 * The Linux usblp character device (/dev/usb/lp0), or any file. Write-only by default: usblp reads
 * block on many printers, so status is not polled unless `readsBack` is set for a known-good model.
 */
export class FilePrinterTransport implements PrinterTransport {
  readonly description: string;

  constructor(
    private readonly path: string,
    readonly readsBack = false,
  ) {
    this.description = `file:${path}`;
  }

  async connect(): Promise<PrinterSession> {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(this.path, this.readsBack ? 'r+' : 'a');
    } catch (err) {
      throw new TesseraError('PRINTER_UNAVAILABLE', `printer ${this.description}: ${errorMessage(err)}`, { cause: err });
    }
    return {
      write: async (bytes) => {
        await fh.write(bytes);
      },
      request: async (query, n, timeoutMs) => {
        await fh.write(query);
        const buf = Buffer.alloc(n);
        const read = fh.read(buf, 0, n, null);
        const timeout = new Promise<never>((_, rej) =>
          setTimeout(() => rej(new TesseraError('PRINTER_TIMEOUT', `printer ${this.description} did not answer within ${timeoutMs} ms`)), timeoutMs).unref(),
        );
        const { bytesRead } = await Promise.race([read, timeout]);
        if (bytesRead < n) throw new TesseraError('PRINTER_TIMEOUT', `printer ${this.description} answered ${bytesRead} of ${n} status bytes`);
        return new Uint8Array(buf);
      },
      close: () => fh.close(),
    };
  }
}
