// An in-process MQTT 3.1.1 broker (aedes) on a loopback port: the embedded default for development and the demo.
import { Aedes } from 'aedes';
import { createServer, type Server, type Socket } from 'node:net';

export interface EmbeddedBroker {
  port: number;
  url: string;
  /** Stops accepting and drops every client, as a broker outage would; start() brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * aedes keeps sessions and retained messages in memory only and has no shared subscriptions, so
 * it stands in for a real broker in the demo, never in delivery tests (those run real mosquitto).
 * The broker instance survives stop()/start(), like a broker restart with persistence.
 */
export async function startEmbeddedBroker(port = 0, host = '127.0.0.1'): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let boundPort = port;

  async function start(): Promise<void> {
    if (server) return;
    const s = createServer((socket) => {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      aedes.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(boundPort, host, () => resolve());
    });
    const addr = s.address();
    if (addr && typeof addr === 'object') boundPort = addr.port;
    server = s;
  }

  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await start();
  return {
    get port() {
      return boundPort;
    },
    get url() {
      return `mqtt://${host}:${boundPort}`;
    },
    stop,
    start,
    async close() {
      await stop();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
