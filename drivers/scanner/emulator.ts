// Scanner emulators at the device boundary: a serial scanner on a socat pty, bytes written as the device would.
import { open, type FileHandle } from 'node:fs/promises';
import { startPtyPair, type PtyPair } from '../pty.js';

export type Terminator = '\r' | '\n' | '\r\n' | '';

/**
 * A serial scanner behind a pty pair. The driver opens `path`; `present` writes a code and terminator
 * to the other end; `unplug` removes the pty (socat exits) and `replug` recreates it at the same path.
 */
export class SerialScannerEmulator {
  private pair: PtyPair | undefined;
  private peer: FileHandle | undefined;

  constructor(
    readonly path: string,
    private readonly peerPath: string,
  ) {}

  async start(): Promise<void> {
    this.pair = await startPtyPair(this.path, this.peerPath);
    this.peer = await open(this.peerPath, 'r+');
  }

  /** Writes raw bytes, as a scanner sends them (use for garbage and partial codes). */
  async write(bytes: Uint8Array | string): Promise<void> {
    if (!this.peer) throw new Error('scanner emulator is unplugged');
    await this.peer.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  async present(code: string, terminator: Terminator = '\r\n'): Promise<void> {
    await this.write(code + terminator);
  }

  async unplug(): Promise<void> {
    const peer = this.peer;
    this.peer = undefined;
    await peer?.close();
    await this.pair?.stop();
    this.pair = undefined;
  }

  async replug(): Promise<void> {
    await this.start();
  }

  async stop(): Promise<void> {
    await this.unplug();
  }
}
