// mqtt.js connect with Nagle's algorithm disabled on every socket it opens (first connect and reconnects).
import { createRequire } from 'node:module';
import type * as Mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Duplex } from 'node:stream';

/**
 * mqtt.js (CommonJS) is loaded with require, not import. The daemon imports this module lazily while
 * it already takes payments, and Node 20's ESM wrapper for a CommonJS package can snapshot its
 * exports while the package is still half-loaded (nodejs/node#55782): the fault soak saw
 * "mqtt.connect is not a function" in ~2% of daemon starts. require() loads the whole package
 * synchronously, so nothing can interleave with it.
 */
const mqtt = createRequire(import.meta.url)('mqtt') as typeof Mqtt;

export type ConnectFn = (url: string, opts: IClientOptions) => MqttClient;

function noDelay<S extends Duplex>(stream: S): S {
  // net.Socket and tls.TLSSocket both have it (TLS proxies it to the TCP handle). Set before the
  // socket connects, Node applies it as soon as there is a handle.
  const s = stream as unknown as { setNoDelay?: (on: boolean) => unknown };
  if (typeof s.setNoDelay === 'function') s.setNoDelay(true);
  return stream;
}

/**
 * Measured on mosquitto: with Nagle on, a QoS 1 PUBLISH waiting behind an unacknowledged small
 * segment sits out the peer's delayed ACK (~40 ms) on every round trip. mqtt.js builds its own
 * socket without `noDelay`, so we wrap its stream builder before the first connect.
 */
export const connectNoDelay: ConnectFn = (url, opts) => {
  const client = mqtt.connect(url, { ...opts, manualConnect: true });
  // `streamBuilder` is private in mqtt.js's typings but a plain field (5.x); if it ever goes away,
  // fall back to setting the flag once connected (only the CONNECT packet would have gone out).
  const inner = client as unknown as { streamBuilder?: (c: MqttClient) => Duplex };
  const build = inner.streamBuilder;
  if (typeof build === 'function') inner.streamBuilder = (c) => noDelay(build.call(client, c));
  else client.on('connect', () => noDelay(client.stream as unknown as Duplex));
  if (!opts.manualConnect) client.connect();
  return client;
};

/** Whether Nagle is disabled on the client's current socket (Node keeps the flag on the socket). */
export function isNoDelay(client: MqttClient): boolean {
  const s = client.stream as unknown as Record<symbol, unknown> | undefined;
  if (!s) return false;
  const sym = Object.getOwnPropertySymbols(s).find((x) => x.description === 'kSetNoDelay');
  return sym !== undefined && s[sym] === true;
}
