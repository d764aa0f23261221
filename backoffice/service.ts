// The clearing service: (shared) MQTT subscription to every terminal's journal, signed acks and resync requests, fleet publications.
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { EventBus, TesseraError, errorMessage, silentLogger, type Logger } from '#common';
import { parseStatus, parseTerminalTopic, topics, type TerminalConfigBody, type TerminalStatusMessage } from '#protocol';
import type { BackOffice } from './backoffice.js';
import type { ClearingAck } from './clearing.js';

export type ConnectFn = (url: string, opts: IClientOptions) => Promise<MqttClient>;

export interface ClearingEvents {
  batch: { terminalId: string; ack: ClearingAck; resyncFrom?: number; known: boolean };
  /** An inbound message ignored (not a terminal topic, a malformed status). */
  ignored: { topic: string; reason: string; detail: string };
  denylist: { version: number };
  error: { error: unknown };
}

/** The back office's broker identity: CA of the broker, and its own client certificate and key (PEM paths). */
export interface BrokerTlsFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

export interface ClearingServiceOptions {
  url: string;
  /** Ignored by a broker that makes the certificate CN the client id (the shipped configuration). */
  clientId?: string;
  tls?: BrokerTlsFiles;
  connect?: ConnectFn;
  logger?: Logger;
  /** How often to close expired purses (ms); 0 disables. */
  expireEveryMs?: number;
  graceSeconds?: number;
  /**
   * Subscribe through the shared subscription (default true) so several clearing processes split
   * the load. False subscribes to the plain journal wildcard: for a single clearing process on a
   * broker without `$share` support (the embedded aedes broker of the demo).
   */
  shared?: boolean;
  /** MQTT protocol: 5 (default) or 4 (3.1.1, for brokers that speak nothing newer). */
  protocolVersion?: 4 | 5;
}

/**
 * TLS client options from the identity's files; the certificate and key go together. Read once,
 * when the command or service starts (a renewed certificate needs a restart); never logged.
 */
export function brokerTlsOptions(files: BrokerTlsFiles | undefined): IClientOptions {
  if (!files || (files.ca === undefined && files.cert === undefined && files.key === undefined)) return {};
  if ((files.cert === undefined) !== (files.key === undefined)) throw new TesseraError('USAGE', 'the broker client certificate and key go together (--cert with --key)');
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new TesseraError('CONFIG_NOT_FOUND', `cannot read the broker ${what} ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
  return {
    ...(files.ca !== undefined ? { ca: read('CA', files.ca) } : {}),
    ...(files.cert !== undefined && files.key !== undefined ? { cert: read('certificate', files.cert), key: read('key', files.key) } : {}),
    rejectUnauthorized: true,
  };
}

/** Connects with MQTT v5 and no-delay sockets (one ack round trip per batch matters). */
export async function connectBroker(url: string, o: IClientOptions = {}, connect: ConnectFn = mqtt.connectAsync): Promise<MqttClient> {
  try {
    const c = await connect(url, { protocolVersion: 5, reconnectPeriod: 1_000, connectTimeout: 10_000, ...o });
    (c.stream as { setNoDelay?: (b: boolean) => void } | undefined)?.setNoDelay?.(true);
    return c;
  } catch (e) {
    throw new TesseraError('BROKER_UNREACHABLE', `cannot connect to ${url}: ${(e as Error).message}`, { cause: e });
  }
}

export async function publishDenylist(bo: BackOffice, client: MqttClient): Promise<number> {
  const d = await bo.signDenylist();
  await client.publishAsync(topics.denylist, Buffer.from(d.bytes), { qos: 1, retain: true });
  return d.version;
}

export async function publishTrust(bo: BackOffice, client: MqttClient): Promise<void> {
  await client.publishAsync(topics.trust, Buffer.from(bo.trustBytes), { qos: 1, retain: true });
}

export async function publishConfig(bo: BackOffice, client: MqttClient, terminalId: string, config: TerminalConfigBody): Promise<number> {
  const m = await bo.signConfig(terminalId, config);
  await client.publishAsync(topics.config(terminalId), Buffer.from(m.bytes), { qos: 1, retain: true });
  return m.version;
}

export class ClearingService {
  readonly events = new EventBus<ClearingEvents>();
  private client: MqttClient | undefined;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  /** Last status each terminal published (retained), as parsed. */
  readonly terminalStatus = new Map<string, TerminalStatusMessage>();
  private readonly ignoredCounts: Record<string, number> = {};

  constructor(
    private readonly bo: BackOffice,
    private readonly opts: ClearingServiceOptions,
  ) {
    this.log = opts.logger ?? silentLogger();
  }

  async start(): Promise<void> {
    const client = await connectBroker(
      this.opts.url,
      {
        clientId: this.opts.clientId ?? `tessera-clearing-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
        clean: true,
        protocolVersion: this.opts.protocolVersion ?? 5,
        ...brokerTlsOptions(this.opts.tls),
      },
      this.opts.connect,
    );
    const subscription = this.opts.shared === false ? topics.allJournals : topics.clearingShare;
    const subscriptions = { [subscription]: { qos: 1 as const }, [topics.allStatus]: { qos: 1 as const } };
    this.client = client;
    client.on('message', (topic, payload) => this.receive(topic, payload));
    client.on('connect', () => {
      // A reconnect after a broker restart: re-subscribe if the session was lost.
      this.log.info({ url: this.opts.url }, 'clearing reconnected');
      void client.subscribeAsync(subscriptions).catch(() => {});
    });
    client.on('close', () => {
      // Also what a second process with this broker identity causes (the broker closes the older
      // connection, without a reason code in mosquitto 2.0.11): each process needs its own identity.
      if (this.client === client) this.log.warn({ url: this.opts.url }, 'broker connection closed, reconnecting');
    });
    await client.subscribeAsync(subscriptions);
    if ((this.opts.expireEveryMs ?? 0) > 0) {
      this.timer = setInterval(() => void this.expire(), this.opts.expireEveryMs);
      this.timer.unref();
    }
    this.log.info({ url: this.opts.url, subscription }, 'clearing subscribed');
  }

  private async expire(): Promise<void> {
    try {
      const r = await this.bo.settleExpired(this.opts.graceSeconds);
      if (r.length) this.log.info({ purses: r.length }, 'expired purses returned to their accounts');
    } catch (error) {
      this.log.error({ err: error }, 'expiry failed');
    }
  }

  /** Inbound messages ignored since start, by reason (exposed for status and tests). */
  ignored(): Record<string, number> {
    return { ...this.ignoredCounts };
  }

  private ignore(topic: string, reason: string, detail: string): void {
    this.ignoredCounts[reason] = (this.ignoredCounts[reason] ?? 0) + 1;
    this.log.warn({ topic, reason, detail }, 'inbound message ignored');
    this.events.emit('ignored', { topic, reason, detail });
  }

  /** One inbound MQTT message (public for fuzzing). Whatever the broker delivers, nothing thrown here can stop clearing. */
  receive(topic: string, payload: Buffer): void {
    const t = parseTerminalTopic(topic);
    if (t?.leaf === 'status') {
      const s = parseStatus(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
      if (s.ok) this.terminalStatus.set(t.terminalId, s.value);
      // An empty payload is a cleared retained status, not garbage.
      else if (payload.length > 0) this.ignore(topic, `status:${s.reason}`, s.detail);
      return;
    }
    if (t?.leaf !== 'journal') return this.ignore(topic, 'UNKNOWN_TOPIC', 'not a terminal journal or status topic');
    // One batch at a time per process: the ledger serialises writers anyway, and order helps chains.
    this.chain = this.chain
      .then(() => this.handle(t.terminalId, payload))
      .catch((error: unknown) => {
        this.log.error({ err: errorMessage(error), topic }, 'journal batch failed');
        this.events.emit('error', { error });
      });
  }

  private async handle(terminalId: string, payload: Buffer): Promise<void> {
    const client = this.client;
    if (!client) return;
    const r = await this.bo.clearing.processBatch(terminalId, new Uint8Array(payload));
    if (r.known && !r.retiredOnly) await client.publishAsync(topics.ack(terminalId), Buffer.from(await this.bo.signAck(terminalId, r.ack)), { qos: 1 });
    if (r.resyncFrom !== undefined) {
      await client.publishAsync(topics.resync(terminalId), Buffer.from(await this.bo.signResync(terminalId, r.resyncFrom)), { qos: 1 });
      this.log.info({ terminalId, from: r.resyncFrom }, 'records held behind a gap: asked the terminal to re-send');
    }
    if (r.denylistChanged) {
      const version = await publishDenylist(this.bo, client);
      this.log.warn({ version }, 'fraud detected: deny list published');
      this.events.emit('denylist', { version });
    }
    this.events.emit('batch', { terminalId, ack: r.ack, ...(r.resyncFrom !== undefined ? { resyncFrom: r.resyncFrom } : {}), known: r.known });
  }

  /** Waits for batches in progress, then disconnects. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const c = this.client;
    await this.chain;
    this.client = undefined;
    if (c) await c.endAsync();
    await this.chain;
  }
}
