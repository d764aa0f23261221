// Starts a real mosquitto on a free loopback port with a generated config, for tests and the demo.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Ports from 0 come from the ephemeral range, where another test's outgoing connection can take
// the port while a broker is stopped for a restart; scripts/broker.ts picks below that range.
export { freePort } from '../../scripts/broker.js';
import { freePort } from '../../scripts/broker.js';

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Mosquitto {
  port: number;
  url: string;
  dir: string;
  /** Stops the broker (SIGTERM, or SIGKILL for a crash) and keeps its port and persistence for restart(). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops for good and removes the temp dir. */
  close(): Promise<void>;
}

/**
 * A plain-TCP broker with persistence (so sessions and queued QoS 1 messages survive a restart,
 * as in production). `extraConfig` lines are appended (TLS/ACL tests add listeners there).
 */
export async function startMosquitto(opts: { port?: number; extraConfig?: string; persistence?: boolean } = {}): Promise<Mosquitto> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'tessera-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'set_tcp_nodelay true',
      `persistence ${opts.persistence === false ? 'false' : 'true'}`,
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      'max_inflight_messages 0',
      'max_queued_messages 0',
      // As root, mosquitto drops to its own user and could not write our root-owned temp dir.
      process.getuid?.() === 0 ? 'user root' : '',
      'log_dest stderr',
      'log_type error',
      opts.extraConfig ?? '',
    ].join('\n') + '\n',
  );
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env } });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<never>((_, reject) => child?.once('exit', (code) => reject(new Error(`mosquitto exited (${code}): ${stderr}`))));
    await Promise.race([waitForPort(port, 10_000), exited]);
    exited.catch(() => {});
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  }

  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    stop,
    start,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
