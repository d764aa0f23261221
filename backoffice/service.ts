// The clearing service: (shared) MQTT subscription to every terminal's journal, signed acks and resync requests, fleet publications.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { EventBus, TesseraError, errorMessage, silentLogger, type Logger } from '#common';
import { DEFAULT_SHARE_GROUP, isShareGroup, parseStatus, parseTerminalTopic, topics, type TerminalConfigBody, type TerminalStatusMessage } from '#protocol';
import type { BackOffice } from './backoffice.js';
import { KeyedQueue } from './batch-queue.js';
import type { ClearingAck } from './clearing.js';
import { GapWatch, gapClosed, type GapTimer } from './gap-watch.js';

export type ConnectFn = (url: string, opts: IClientOptions) => Promise<MqttClient>;

export interface ClearingEvents {
  /** A batch cleared; `resyncFrom` when it left records held behind a gap (a resync request may follow). */
  batch: { terminalId: string; ack: ClearingAck; resyncFrom?: number; known: boolean };
  /** A resync request sent: the gap was still open after the resync delay. */
  resync: { terminalId: string; from: number };
  /** A gap this worker saw was closed meanwhile (by another worker, or a later batch): no resync needed. */
  gapClosed: { terminalId: string; head: number };
  /** An inbound message ignored (not a terminal topic, a malformed status). */
  ignored: { topic: string; reason: string; detail: string };
  denylist: { version: number };
  /** A scheduled freshness publication: the trust list in force and a new deny-list version. */
  refreshed: { trust: number; denylist: number };
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
   * Re-sign the deny list at a new version and republish it and the trust list this often, in seconds
   * of the back office's clock (default 3600; 0 disables), so online terminals never see stale lists.
   */
  refreshEverySeconds?: number;
  /** How often (ms) to check whether a refresh is due (default 60000). */
  refreshCheckMs?: number;
  /**
   * Subscribe through the shared subscription (default true) so several clearing processes split
   * the load. False subscribes to the plain journal wildcard: for a single clearing process on a
   * broker without `$share` support (the embedded aedes broker of the demo).
   */
  shared?: boolean;
  /** MQTT protocol: 5 (default) or 4 (3.1.1, for brokers that speak nothing newer). */
  protocolVersion?: 4 | 5;
  /** This worker's name in logs and status (default `<hostname>-<pid>`); also the default client id's suffix. */
  workerId?: string;
  /** The shared-subscription group (default `clearing`); every group receives every batch, so workers of one ledger share one group. */
  shareGroup?: string;
  /** Batches cleared at once by this process, each terminal's batches still one after another (default 4). */
  concurrency?: number;
  /**
   * How long (ms) a gap this worker saw may stay open before it asks the terminal to re-send (default
   * 1000; 0: at once). Another worker usually fills it within a batch's time (gap-watch.ts).
   */
  resyncDelayMs?: number;
  /** The timer of those deferred gap checks (default: setTimeout). */
  gapTimer?: GapTimer;
}

/** Default batches in flight per process: PgLedger keeps 4 connections, one per batch transaction. */
export const DEFAULT_CONCURRENCY = 4;
/** How far back (record time) clearing looks at start for voids and refunds left unsettled. */
const PENDING_ADJUSTMENT_DAYS = 30;
/** Queue key of fleet-list publications (terminal ids never contain a space). */
const FLEET_KEY = ' fleet';

/** What `status()` reports about one clearing worker. */
export interface ClearingStatus {
  workerId: string;
  subscription: string;
  connected: boolean;
  concurrency: number;
  /** Batches being cleared now, and waiting (behind their terminal's previous batch or a free slot). */
  active: number;
  queued: number;
  batches: number;
  /** Resync requests sent, and gaps found closed by the time they were checked. */
  resyncs: number;
  gapsClosed: number;
  /** Gaps waiting for their check. */
  gapsOpen: number;
  ignored: Record<string, number>;
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

/** The renewal ceremony is due (quarterly); terminals decline at 180 days by default (docs/decisions.md D-freshness). */
export const TRUST_RENEWAL_DUE_DAYS = 90;

/** Most re-publications of a newer deny list one publisher makes after losing a race (each needs another process to sign meanwhile). */
const MAX_REPUBLISH = 50;

/**
 * Signs the deny list at a new version and publishes it retained. Publishers race (the broker keeps
 * whichever message it processed last), so once the broker acknowledged ours, the newest list any
 * process signed is read back from the ledger (signers record it before publishing), and published
 * if it is newer than ours, until the newest is the one this process published last. Every publisher
 * does the same, so the retained message ends at the newest version. Returns the version signed here.
 */
export async function publishDenylist(bo: BackOffice, client: MqttClient): Promise<number> {
  const d = await bo.signDenylist();
  let last = { version: d.version, bytes: d.bytes };
  for (let round = 0; round <= MAX_REPUBLISH; round++) {
    await client.publishAsync(topics.denylist, Buffer.from(last.bytes), { qos: 1, retain: true });
    const newest = await bo.ledger.newestSigned('denylist');
    if (!newest || newest.version <= last.version) return d.version;
    last = newest;
  }
  throw new TesseraError('INTERNAL', `deny list still superseded after ${MAX_REPUBLISH} re-publications`);
}

/**
 * Publishes the installed trust list retained, then the same check as publishDenylist: a newer list
 * installed meanwhile (publish-trust in another process) is picked up and published in turn.
 */
export async function publishTrust(bo: BackOffice, client: MqttClient): Promise<number> {
  for (;;) {
    const version = bo.trustList.version;
    await client.publishAsync(topics.trust, Buffer.from(bo.trustBytes), { qos: 1, retain: true });
    if (!bo.reloadTrust()) return version;
  }
}

export async function publishConfig(bo: BackOffice, client: MqttClient, terminalId: string, config: TerminalConfigBody): Promise<number> {
  const m = await bo.signConfig(terminalId, config);
  await client.publishAsync(topics.config(terminalId), Buffer.from(m.bytes), { qos: 1, retain: true });
  return m.version;
}

export class ClearingService {
  readonly events = new EventBus<ClearingEvents>();
  private client: MqttClient | undefined;
  private readonly queue: KeyedQueue;
  private readonly gaps: GapWatch;
  private stopping = false;
  private readonly counts = { batches: 0, resyncs: 0, gapsClosed: 0 };
  readonly workerId: string;
  readonly subscription: string;
  private timer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private lastRefresh: number | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly log: Logger;
  /** Last status each terminal published (retained), as parsed. */
  readonly terminalStatus = new Map<string, TerminalStatusMessage>();
  private readonly ignoredCounts: Record<string, number> = {};

  constructor(
    private readonly bo: BackOffice,
    private readonly opts: ClearingServiceOptions,
  ) {
    this.workerId = opts.workerId ?? `${hostname()}-${process.pid}`;
    const group = opts.shareGroup ?? DEFAULT_SHARE_GROUP;
    if (!isShareGroup(group)) throw new TesseraError('USAGE', `not a valid share group: ${JSON.stringify(group)} (A-Z a-z 0-9 . _ -, at most 64)`);
    this.subscription = opts.shared === false ? topics.allJournals : topics.clearingShareOf(group);
    this.log = (opts.logger ?? silentLogger()).child({ worker: this.workerId });
    this.queue = new KeyedQueue(opts.concurrency ?? DEFAULT_CONCURRENCY, (key, error) => {
      this.log.error({ err: errorMessage(error), terminalId: key }, 'journal batch failed');
      this.events.emit('error', { error });
    });
    this.gaps = new GapWatch(opts.resyncDelayMs ?? 1_000, (terminalId, check) => this.queue.push(terminalId, check), opts.gapTimer);
  }

  async start(): Promise<void> {
    const client = await connectBroker(
      this.opts.url,
      {
        clientId: this.opts.clientId ?? `tessera-clearing-${this.workerId}-${Math.random().toString(16).slice(2, 8)}`,
        clean: true,
        protocolVersion: this.opts.protocolVersion ?? 5,
        ...brokerTlsOptions(this.opts.tls),
      },
      this.opts.connect,
    );
    const subscription = this.subscription;
    const subscriptions = { [subscription]: { qos: 1 as const }, [topics.allStatus]: { qos: 1 as const } };
    this.client = client;
    client.on('message', (topic, payload) => this.receive(topic, payload));
    client.on('connect', () => {
      // A reconnect after a broker restart: re-subscribe if the session was lost.
      this.log.info({ url: this.opts.url }, 'clearing reconnected');
      void client.subscribeAsync(subscriptions).catch(() => {});
      // A restarted broker may have lost its retained lists, and terminals reconnecting want fresh ones.
      if (this.refreshTimer) void this.refresh();
    });
    client.on('close', () => {
      // Also what a second process with this broker identity causes (the broker closes the older
      // connection, without a reason code in mosquitto 2.0.11): each process needs its own identity.
      if (this.client === client) this.log.warn({ url: this.opts.url }, 'broker connection closed, reconnecting');
    });
    try {
      await client.subscribeAsync(subscriptions);
    } catch (e) {
      // mqtt.js fails the subscribe with the SUBACK attached when a reason code says refused (0x87: not authorized).
      this.client = undefined;
      await client.endAsync(true);
      if ((e as { packet?: { cmd?: string } }).packet?.cmd !== 'suback') throw e;
      throw new TesseraError('BROKER_REFUSED', `the broker refused ${subscription} or ${topics.allStatus} (${errorMessage(e)}): its rules must give this identity the clearing role with this share group (broker-acl --share-group)`, { cause: e });
    }
    if ((this.opts.expireEveryMs ?? 0) > 0) {
      this.timer = setInterval(() => void this.expire(), this.opts.expireEveryMs);
      this.timer.unref();
    }
    const every = this.opts.refreshEverySeconds ?? 3_600;
    if (every > 0) {
      await this.refresh();
      this.refreshTimer = setInterval(() => void this.refreshIfDue(every), this.opts.refreshCheckMs ?? 60_000);
      this.refreshTimer.unref();
    }
    // A void or refund whose refund failed after its batch committed (a crash, the database) is settled now.
    await this.bo.clearing.settlePending(this.bo.now() - PENDING_ADJUSTMENT_DAYS * 86_400).catch((err: unknown) => this.log.error({ err }, 'pending voids and refunds not settled'));
    this.log.info({ url: this.opts.url, subscription, concurrency: this.opts.concurrency ?? DEFAULT_CONCURRENCY }, 'clearing subscribed');
  }

  /** A refresh is due on schedule, or at once when an operator denied a purse without publishing (deny without --broker). */
  private async refreshIfDue(everySeconds: number): Promise<void> {
    try {
      const due = this.lastRefresh === undefined || this.bo.now() - this.lastRefresh >= everySeconds || (await this.bo.ledger.denyList()).unpublished > 0;
      if (due) await this.refresh();
    } catch (error) {
      this.log.error({ err: error }, 'fleet list refresh check failed');
    }
  }

  /**
   * Republishes the trust list in force (picking up one installed by publish-trust meanwhile) and a
   * deny list at a new version. One refresh at a time, in the same bounded queue as batches.
   */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const run = new Promise<void>((resolve) => this.queue.push(FLEET_KEY, () => this.publishLists().finally(resolve)));
    this.refreshing = run.finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async publishLists(): Promise<void> {
    const client = this.client;
    // Offline: nothing to refresh on the broker; the next check after the reconnect does it.
    if (!client?.connected) return;
    // The schedule counts from when the lists were signed, not from when the broker acknowledged
    // them: a clock that moved meanwhile must not make the next refresh look already done.
    const signedAt = this.bo.now();
    try {
      const trust = await publishTrust(this.bo, client);
      const denylist = await publishDenylist(this.bo, client);
      this.lastRefresh = signedAt;
      this.log.info({ trust, denylist }, 'fleet lists refreshed');
      const ageDays = Math.floor((this.bo.now() - this.bo.trustList.issuedAt) / 86_400);
      if (ageDays >= TRUST_RENEWAL_DUE_DAYS) {
        this.log.warn({ trust, ageDays }, 'trust list renewal due: sign the next list offline (tessera-backoffice trust sign) before terminals reach their trust-list age limit');
      }
      this.events.emit('refreshed', { trust, denylist });
    } catch (error) {
      this.log.error({ err: error }, 'fleet list refresh failed');
      this.events.emit('error', { error });
    }
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
    // Stopping: not acked, so the terminal re-sends it to a worker that stays.
    if (this.stopping) return;
    // A terminal's batches in arrival order (order helps its chain); other terminals' batches beside them.
    this.queue.push(t.terminalId, () => this.handle(t.terminalId, payload));
  }

  /** This worker's load and counters (for status output and tests). */
  status(): ClearingStatus {
    return {
      workerId: this.workerId,
      subscription: this.subscription,
      connected: this.client?.connected === true,
      concurrency: this.opts.concurrency ?? DEFAULT_CONCURRENCY,
      active: this.queue.active,
      queued: this.queue.queued,
      ...this.counts,
      gapsOpen: this.gaps.size,
      ignored: this.ignored(),
    };
  }

  private async handle(terminalId: string, payload: Buffer): Promise<void> {
    const client = this.client;
    if (!client) return;
    const r = await this.bo.clearing.processBatch(terminalId, new Uint8Array(payload));
    this.counts.batches++;
    // Every batch is acked, a re-sent one too (its ack names the head as it is now): the ack the
    // terminal missed may have been lost with a killed worker or a broker restart.
    if (r.known && !r.retiredOnly) await client.publishAsync(topics.ack(terminalId), Buffer.from(await this.bo.signAck(terminalId, r.ack)), { qos: 1 });
    if (r.heldUpTo !== undefined) this.gaps.watch(terminalId, r.heldUpTo, (heldUpTo) => this.resyncIfOpen(terminalId, heldUpTo));
    if (r.denylistChanged) {
      const version = await publishDenylist(this.bo, client);
      this.log.warn({ version }, 'fraud detected: deny list published');
      this.events.emit('denylist', { version });
    }
    this.events.emit('batch', { terminalId, ack: r.ack, ...(r.resyncFrom !== undefined ? { resyncFrom: r.resyncFrom } : {}), known: r.known });
  }

  /** The gap check GapWatch runs: a resync request only if the chain head is still below what was held. */
  private async resyncIfOpen(terminalId: string, heldUpTo: number): Promise<void> {
    const client = this.client;
    if (!client) return;
    const g = await gapClosed(this.bo.ledger, terminalId, heldUpTo);
    if (g.closed) {
      this.counts.gapsClosed++;
      this.log.debug({ terminalId, head: g.head }, 'gap closed meanwhile: no resync needed');
      this.events.emit('gapClosed', { terminalId, head: g.head });
      return;
    }
    const from = g.head + 1;
    await client.publishAsync(topics.resync(terminalId), Buffer.from(await this.bo.signResync(terminalId, from)), { qos: 1 });
    this.counts.resyncs++;
    this.log.info({ terminalId, from, heldUpTo }, 'records held behind a gap: asked the terminal to re-send');
    this.events.emit('resync', { terminalId, from });
  }

  /** Stops taking batches (unsubscribes), waits for those in progress, then disconnects. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.stopping = true;
    this.gaps.clear();
    const c = this.client;
    // Bounded: a broker that went away meanwhile must not hold the stop (the session is clean anyway).
    if (c?.connected) await Promise.race([c.unsubscribeAsync(this.subscription).catch(() => {}), new Promise((r) => setTimeout(r, 2_000).unref())]);
    await this.queue.idle();
    this.client = undefined;
    if (c) await c.endAsync();
  }
}
