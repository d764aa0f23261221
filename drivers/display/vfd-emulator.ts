// Customer-display emulator: a socat pty whose far end interprets the bytes into the 2×20 text a customer sees.
import type { SerialPort } from 'serialport';
import { serialPort } from '../lazy.js';
import { startPtyPair, type PtyPair } from '../pty.js';
import { interpretVfd, VFD_COLUMNS } from './vfd.js';

export class PtyVfdEmulator {
  private pair: PtyPair | undefined;
  private peer: SerialPort | undefined;
  screen: string[] = [' '.repeat(VFD_COLUMNS), ' '.repeat(VFD_COLUMNS)];
  updates = 0;

  constructor(
    readonly path: string,
    private readonly peerPath: string,
  ) {}

  async start(): Promise<void> {
    this.pair = await startPtyPair(this.path, this.peerPath);
    const peer = new (serialPort())({ path: this.peerPath, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => peer.open((e) => (e ? reject(e) : resolve())));
    peer.on('data', (d: Buffer) => {
      this.screen = interpretVfd(d, this.screen);
      this.updates++;
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
