// A socat pty pair: the device end for a driver, the other end for an emulator or a test.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface PtyPair {
  /** The path the driver opens (like /dev/ttyACM0). */
  readonly device: string;
  /** The path the emulator reads and writes (the scanner's or printer's side of the cable). */
  readonly peer: string;
  /** Stops socat; both links disappear, as when the device is unplugged. */
  stop(): Promise<void>;
}

/** Starts `socat pty,raw,echo=0,link=device pty,raw,echo=0,link=peer` and waits (bounded) for both links. */
export async function startPtyPair(device: string, peer: string, timeoutMs = 5000): Promise<PtyPair> {
  const child: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${peer}`], { stdio: 'ignore' });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  child.once('error', () => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(device) && existsSync(peer))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`socat did not create ${device} and ${peer}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    device,
    peer,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}
