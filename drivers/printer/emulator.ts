// Printer emulators: a TCP 9100 server and a pty that capture ESC/POS, answer DLE EOT, and render to PNG.
import net from 'node:net';
import type { SerialPort } from 'serialport';
import { serialPort } from '../lazy.js';
import { TesseraError } from '#common';
import { startPtyPair, type PtyPair } from '../pty.js';
import { renderEscPos, type RenderedReceipt } from './render.js';
import { statusBytes, type PrinterStatus } from './status.js';
import type { PrinterSession, PrinterTransport } from './transport.js';

/** The printer's side of the cable: state switches, captured bytes, status answers. */
export class PrinterEmulatorCore {
  readonly state: PrinterStatus = { online: true, paperOut: false, paperNearEnd: false, coverOpen: false, error: false };
  /** A printer that never answers status queries (hung firmware, wrong port). */
  silent = false;
  private chunks: Buffer[] = [];

  constructor(readonly dots = 576) {}

  set(patch: Partial<PrinterStatus> & { silent?: boolean }): void {
    const { silent, ...rest } = patch;
    if (silent !== undefined) this.silent = silent;
    Object.assign(this.state, rest);
    this.state.online = !(this.state.paperOut || this.state.coverOpen || this.state.error);
  }

  /** Handles bytes from the host; returns the answer to send back, if any. */
  receive(chunk: Buffer): Buffer | undefined {
    const answers: number[] = [];
    let print = chunk;
    // The driver waits for each answer, so a query ends the chunk it arrives in (a pty may glue it to the
    // end of the print data). Trailing DLE EOT n are answered and not printed.
    while (print.length >= 3 && print[print.length - 3] === 0x10 && print[print.length - 2] === 0x04 && (print[print.length - 1] ?? 0) <= 4) {
      answers.unshift(statusBytes(this.state, print[print.length - 1] ?? 0));
      print = print.subarray(0, print.length - 3);
    }
    // Like a real printer with no paper or an open cover, print data is lost.
    if (print.length > 0 && this.state.online) this.chunks.push(Buffer.from(print));
    return answers.length > 0 && !this.silent ? Buffer.from(answers) : undefined;
  }

  /** Every printed byte so far. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  clear(): void {
    this.chunks = [];
  }

  render(): RenderedReceipt {
    return renderEscPos(this.bytes(), this.dots);
  }
}

export class TcpPrinterEmulator extends PrinterEmulatorCore {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  async start(port = 0, host = '127.0.0.1'): Promise<number> {
    const server = net.createServer((sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
      sock.on('error', () => {});
      sock.on('data', (d) => {
        const answer = this.receive(d);
        if (answer) sock.write(answer);
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A serial printer behind a socat pty pair; the driver opens `path`. */
export class PtyPrinterEmulator extends PrinterEmulatorCore {
  private pair: PtyPair | undefined;
  private peer: SerialPort | undefined;

  constructor(
    readonly path: string,
    private readonly peerPath: string,
    dots = 576,
  ) {
    super(dots);
  }

  async start(): Promise<void> {
    this.pair = await startPtyPair(this.path, this.peerPath);
    const peer = new (serialPort())({ path: this.peerPath, baudRate: 19200, autoOpen: false });
    await new Promise<void>((resolve, reject) => peer.open((e) => (e ? reject(e) : resolve())));
    peer.on('data', (d: Buffer) => {
      const answer = this.receive(d);
      if (answer) peer.write(answer);
    });
    peer.on('error', () => {});
    this.peer = peer;
  }

  async stop(): Promise<void> {
    const peer = this.peer;
    this.peer = undefined;
    if (peer?.isOpen) await new Promise<void>((resolve) => peer.close(() => resolve()));
    await this.pair?.stop();
    this.pair = undefined;
  }
}

/** A transport straight into an in-process emulator (the demo's printer; reads status back like TCP). */
export class EmulatorPrinterTransport implements PrinterTransport {
  readonly readsBack = true;
  readonly description = 'emulator';

  constructor(readonly emulator: PrinterEmulatorCore) {}

  async connect(): Promise<PrinterSession> {
    const emu = this.emulator;
    let reply = Buffer.alloc(0);
    return {
      write: async (bytes) => void emu.receive(Buffer.from(bytes)),
      request: async (query, n) => {
        reply = Buffer.concat([reply, emu.receive(Buffer.from(query)) ?? Buffer.alloc(0)]);
        if (reply.length < n) throw new TesseraError('PRINTER_TIMEOUT', 'emulated printer did not answer');
        const out = reply.subarray(0, n);
        reply = reply.subarray(n);
        return new Uint8Array(out);
      },
      close: async () => {},
    };
  }
}
