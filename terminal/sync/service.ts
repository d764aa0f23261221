// SyncService: drains the journal (the durable outbox) to the broker in acked windows, applies signed fleet messages.
import { readFileSync } from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Clock, EventBus, Logger } from '#common';
import { TesseraError, errorMessage, silentLogger, systemClock } from '#common';
import { MAX_STORAGE_DETAIL, encodeBatch, encodeStatus, topics, type AckResult, type StatusFreshness, type StorageStatus, type TerminalLocation, type TerminalStatusMessage } from '#protocol';
import type { FleetKind, Store } from '../store/index.js';
import { TrustedClock } from '../time.js';
import type { SyncConfig } from './config.js';
import { connectNoDelay, type ConnectFn } from './connect.js';
import { applyFleetBytes, type FleetRefusal } from './fleet.js';
import { InboundCounters, checkAck, checkResync, type InboundChannel, type InboundContext } from './inbound.js';

export interface SyncEvents {
  'sync.connection': { connected: boolean; error?: string };
  'sync.progress': { backlog: number; ackedUpTo: number; journalHead: number; lastSyncMs: number | null };
  /** Per-record results from the back office (fraud flags, rejections), from a verified ack. */
  'sync.results': { upTo: number; results: AckResult[] };
  /** An inbound message ignored (garbage, forged, not for this terminal's journal). */
  'sync.ignored': { channel: InboundChannel; reason: string; detail: string };
  /** A verified resync request moved the send cursor back. */
  'sync.resync': { from: number };
  'fleet.applied': { kind: FleetKind; version: number };
  'fleet.refused': { kind: FleetKind; reason: FleetRefusal; detail: string };
}

export interface SyncStatus {
  connected: boolean;
  brokerUrl: string;
  clientId: string;
  backlog: number;
  journalHead: number;
  ackedUpTo: number;
  lastSyncMs: number | null;
  inFlight: { messages: number; records: number };
  /** Applied fleet versions (null: none applied). */
  fleet: Record<FleetKind, number | null>;
  /** Refused fleet messages since start, by reason code. */
  refused: Record<string, number>;
  /** Inbound messages ignored since start, keyed `channel:REASON` (ack, resync, fleet, other). */
  ignored: Record<string, number>;
  /** Verified resync requests acted on since start. */
  resyncs: number;
  connects: number;
  lastError: string | null;
}

export interface SyncDeps {
  store: Store;
  terminalId: string;
  rootPublicKey: Uint8Array;
  config: SyncConfig;
  bus?: EventBus<SyncEvents>;
  log?: Logger;
  clock?: Clock;
  /** The mqtt connect seam (default: mqtt.connect with TCP no-delay). */
  connect?: ConnectFn;
  /** Software version reported in status messages. */
  version?: string;
  /** Where the terminal stands (its config's location), carried in status messages. */
  location?: TerminalLocation;
  /** Device states for status messages (the daemon plugs its device registry in here). */
  devices?: () => Record<string, unknown>;
  /** Trust- and deny-list ages against their limits for status messages (the daemon plugs its checkout in here). */
  freshness?: () => StatusFreshness;
  random?: () => number;
}

interface InFlight {
  first: number;
  last: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const OFFLINE = Buffer.from(encodeStatus({ state: 'offline' }));

export class SyncService {
  private readonly cfg: SyncConfig;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly connectFn: ConnectFn;
  private readonly clientId: string;
  private readonly trusted: TrustedClock;
  private client: MqttClient | undefined;
  private running = false;
  private connected = false;
  private attempts = 0;
  private connects = 0;
  private lastError: string | null = null;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private inflight: InFlight[] = [];
  /** Highest index published on the current connection. */
  private sentUpTo = 0;
  /** Monotonic time of the last ack progress (or first publish into an empty window). */
  private lastProgress = 0;
  private readonly refused: Record<string, number> = {};
  private readonly ignored = new InboundCounters();
  private resyncs = 0;
  /** `time` of the last resync request acted on (a replayed one is refused). */
  private lastResyncTime: number | undefined;
  private waiters: Waiter[] = [];
  /** Highest index the back office acknowledged; written to the store at most every ackFlushMs. */
  private acked = 0;
  /** The verified signed ack for `acked` (stored with the cursor: verify-journal anchors the journal with it). */
  private ackBytes: Uint8Array | undefined;
  private ackFlushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: SyncDeps) {
    this.cfg = deps.config;
    this.log = deps.log ?? silentLogger();
    this.clock = deps.clock ?? systemClock;
    this.connectFn = deps.connect ?? connectNoDelay;
    this.clientId = deps.config.clientId ?? deps.terminalId;
    this.trusted = new TrustedClock(this.clock, deps.store);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.acked = this.deps.store.ackedUpTo();
    this.pollTimer = setInterval(() => this.pump(), this.cfg.pollMs);
    this.ackTimer = setInterval(() => this.checkAckTimeout(), Math.max(50, Math.floor(this.cfg.ackTimeoutMs / 4)));
    this.pollTimer.unref();
    this.ackTimer.unref();
    this.connectNow();
  }

  /** Graceful stop: publishes the retained "offline" status when connected, then disconnects. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of [this.pollTimer, this.ackTimer, this.statusTimer]) if (t) clearInterval(t);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    await this.flushAck();
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new TesseraError('SYNC_TIMEOUT', 'sync stopped before the backlog drained', { details: { backlog: this.backlog() } }));
    }
    const c = this.client;
    this.client = undefined;
    const wasConnected = this.connected;
    this.setConnected(false);
    if (!c) return;
    if (wasConnected) {
      await Promise.race([c.publishAsync(topics.status(this.deps.terminalId), OFFLINE, { qos: 1, retain: true }).catch(() => undefined), delay(2_000)]);
    }
    await new Promise<void>((resolve) => c.end(!wasConnected, {}, () => resolve()));
  }

  /** Tells the service new journal records exist (the checkout calls this after a commit). */
  notify(): void {
    this.pump();
  }

  /**
   * Drains now: connects at once if waiting out a back-off, publishes, and resolves when the backlog
   * is 0. Rejects with TesseraError SYNC_TIMEOUT after `timeoutMs`.
   */
  drainNow(timeoutMs: number = this.cfg.drainTimeoutMs): Promise<void> {
    if (this.backlog() === 0) return Promise.resolve();
    if (!this.running) return Promise.reject(new TesseraError('SYNC_TIMEOUT', 'sync is not running', { details: { backlog: this.backlog() } }));
    if (!this.connected && this.reconnectTimer) {
      this.attempts = 0;
      this.connectNow();
    }
    this.pump();
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          const backlog = this.backlog();
          reject(new TesseraError('SYNC_TIMEOUT', `backlog still ${backlog} after ${timeoutMs} ms (${this.connected ? 'connected' : 'not connected'})`, { details: { backlog, connected: this.connected } }));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  status(): SyncStatus {
    const s = this.deps.store;
    const fleetVersion = (k: FleetKind) => s.fleet(k)?.version ?? null;
    return {
      connected: this.connected,
      brokerUrl: this.cfg.brokerUrl,
      clientId: this.clientId,
      backlog: this.backlog(),
      journalHead: s.journalHead,
      ackedUpTo: Math.max(this.acked, s.ackedUpTo()),
      lastSyncMs: s.lastSyncMs(),
      inFlight: { messages: this.inflight.length, records: this.inflight.reduce((n, b) => n + b.last - b.first + 1, 0) },
      fleet: { trust: fleetVersion('trust'), denylist: fleetVersion('denylist'), config: fleetVersion('config') },
      refused: { ...this.refused },
      ignored: this.ignored.snapshot(),
      resyncs: this.resyncs,
      connects: this.connects,
      lastError: this.lastError,
    };
  }

  /** Records not yet acknowledged by the back office (acks not yet flushed to SQLite count as acknowledged). */
  backlog(): number {
    const s = this.deps.store;
    return s.journalHead - Math.max(this.acked, s.ackedUpTo());
  }

  /** The live mqtt client, for diagnostics and tests (undefined while not connecting). */
  get mqttClient(): MqttClient | undefined {
    return this.client;
  }

  // ---- connection ----

  private clientOptions(): IClientOptions {
    const id = this.deps.terminalId;
    const c = this.cfg;
    const opts: IClientOptions = {
      clientId: this.clientId,
      clean: false,
      protocolVersion: c.protocolVersion,
      keepalive: c.keepaliveSeconds,
      connectTimeout: c.connectTimeoutMs,
      reconnectPeriod: 0,
      resubscribe: false,
      will: { topic: topics.status(id), payload: OFFLINE, qos: 1, retain: true },
      ...(c.protocolVersion === 5 ? { properties: { sessionExpiryInterval: c.sessionExpirySeconds } } : {}),
      ...(c.username !== undefined ? { username: c.username } : {}),
      ...(c.password !== undefined ? { password: c.password } : {}),
    };
    if (c.tls) {
      try {
        opts.ca = readFileSync(c.tls.ca);
        if (c.tls.cert && c.tls.key) {
          opts.cert = readFileSync(c.tls.cert);
          opts.key = readFileSync(c.tls.key);
        }
      } catch (e) {
        throw new TesseraError('CONFIG_INVALID', `sync TLS files: ${errorMessage(e)}`, { cause: e });
      }
      opts.rejectUnauthorized = true;
      if (c.tls.servername) opts.servername = c.tls.servername;
    }
    return opts;
  }

  private connectNow(): void {
    if (!this.running) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const old = this.client;
    if (old) old.end(true);
    // A fresh client per connection: nothing queued in mqtt.js's memory is ever relied upon;
    // after every connect the outbox republishes from the acked index in the journal.
    const client = this.connectFn(this.cfg.brokerUrl, this.clientOptions());
    this.client = client;
    client.on('connect', () => {
      if (this.client === client) this.onConnect(client);
    });
    client.on('message', (topic, payload) => {
      if (this.client === client) this.receive(topic, payload);
    });
    client.on('error', (e) => {
      if (this.client !== client) return;
      this.lastError = errorMessage(e);
      this.log.warn({ err: this.lastError }, 'mqtt error');
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end(true);
      this.setConnected(false);
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer) return;
    const c = this.cfg;
    const base = Math.min(c.reconnectMaxMs, c.reconnectMinMs * 2 ** Math.min(this.attempts, 30));
    const wait = Math.round(base * (1 - c.reconnectJitter * (this.deps.random ?? Math.random)()));
    this.attempts++;
    this.log.info({ waitMs: wait, attempt: this.attempts, err: this.lastError }, 'broker unreachable, will retry');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectNow();
    }, wait);
  }

  private onConnect(client: MqttClient): void {
    const id = this.deps.terminalId;
    this.attempts = 0;
    this.connects++;
    this.lastError = null;
    this.setConnected(true);
    const subs = {
      [topics.ack(id)]: { qos: 1 as const },
      [topics.resync(id)]: { qos: 1 as const },
      [topics.config(id)]: { qos: 1 as const },
      [topics.denylist]: { qos: 1 as const },
      [topics.trust]: { qos: 1 as const },
    };
    client.subscribe(subs, (err, granted) => {
      if (err) this.log.warn({ err: errorMessage(err) }, 'subscribe failed');
      for (const g of granted ?? []) if (g.qos > 2) this.log.warn({ topic: g.topic, code: g.qos }, 'subscription refused by the broker');
    });
    this.inflight = [];
    this.sentUpTo = this.acked;
    this.lastProgress = this.clock.monotonic();
    this.publishStatus();
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = setInterval(() => this.publishStatus(), this.cfg.statusIntervalMs);
    this.statusTimer.unref();
    this.log.info({ backlog: this.backlog() }, 'connected to broker');
    this.pump();
  }

  private setConnected(on: boolean): void {
    if (!on) {
      this.inflight = [];
      if (this.statusTimer) clearInterval(this.statusTimer);
      this.statusTimer = undefined;
    }
    if (on === this.connected) return;
    this.connected = on;
    this.deps.bus?.emit('sync.connection', on ? { connected: true } : { connected: false, ...(this.lastError ? { error: this.lastError } : {}) });
  }

  // ---- outbox ----

  private pump(): void {
    const client = this.client;
    if (!this.connected || !client) return;
    const store = this.deps.store;
    const topic = topics.journal(this.deps.terminalId);
    while (this.inflight.length < this.cfg.window) {
      // Below the acked index only after a resync request: the back office asked for records again.
      const rows = this.sentUpTo < this.acked ? store.listRows({ afterIdx: this.sentUpTo, limit: this.cfg.batchSize }) : store.unacked(this.cfg.batchSize, this.sentUpTo);
      const first = rows[0];
      const last = rows[rows.length - 1];
      if (!first || !last) break;
      const bytes = encodeBatch(rows.map((r) => r.record));
      const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (this.inflight.length === 0) this.lastProgress = this.clock.monotonic();
      this.inflight.push({ first: first.idx, last: last.idx });
      this.sentUpTo = last.idx;
      client.publish(topic, payload, { qos: 1 }, (err) => {
        if (err) this.log.warn({ err: errorMessage(err), first: first.idx, last: last.idx }, 'journal publish refused');
      });
    }
  }

  private checkAckTimeout(): void {
    if (!this.connected || this.inflight.length === 0) return;
    if (this.clock.monotonic() - this.lastProgress < this.cfg.ackTimeoutMs) return;
    this.log.warn({ from: this.acked + 1, inFlight: this.inflight.length }, 'no ack in time, republishing from the acked index');
    this.inflight = [];
    this.sentUpTo = this.acked;
    this.pump();
  }

  private inboundContext(): InboundContext {
    const ms = this.trusted.now().ms;
    return { store: this.deps.store, rootPublicKey: this.deps.rootPublicKey, terminalId: this.deps.terminalId, now: ms === null ? null : Math.floor(ms / 1000) };
  }

  private ignore(channel: InboundChannel, reason: string, detail: string): void {
    this.ignored.note(channel, reason);
    this.log.warn({ channel, reason, detail }, 'inbound message ignored');
    this.deps.bus?.emit('sync.ignored', { channel, reason, detail });
  }

  /**
   * Moves the cursor and resets the offline counters only for an ack verified against the trust
   * list in force: signed by a CLEARING key, for this terminal, within the journal, naming this
   * terminal's own record hash at upTo. Anything else is ignored and counted.
   */
  private onAck(payload: Buffer): void {
    const v = checkAck(this.inboundContext(), payload);
    if (!v.ok) return this.ignore('ack', v.reason, v.detail);
    const { upTo, results } = v.value;
    const store = this.deps.store;
    const before = this.acked;
    const after = Math.max(before, upTo);
    this.acked = after;
    if (upTo === after) this.ackBytes = new Uint8Array(payload);
    if (after > before) {
      this.lastProgress = this.clock.monotonic();
      this.sentUpTo = Math.max(this.sentUpTo, after);
    }
    this.inflight = this.inflight.filter((b) => b.last > after);
    if (results.length > 0) {
      for (const r of results) if (r.status === 'fraud' || r.status === 'rejected') this.log.warn({ index: r.index, status: r.status, reason: r.reason }, 'back office flagged a record');
      this.deps.bus?.emit('sync.results', { upTo: after, results });
    }
    const backlog = store.journalHead - after;
    // Losing an ack in a crash only re-sends records the back office de-duplicates, so acks are
    // written in coalesced fsyncs while draining, and at once when the backlog is empty.
    const flushed = backlog === 0 || this.cfg.ackFlushMs === 0 ? this.flushAck() : undefined;
    if (!flushed) this.ackFlushTimer ??= setTimeout(() => void this.flushAck(), this.cfg.ackFlushMs);
    if (backlog === 0) {
      if (before < after) this.publishStatus();
      // Drained once the store has the cursor (the ack is written with its signed head checkpoint).
      const waiters = this.waiters.splice(0);
      void flushed?.then(() => {
        for (const w of waiters) {
          clearTimeout(w.timer);
          w.resolve();
        }
      });
    }
    this.pump();
  }

  /** Writes the acked index to the store (fsync) and reports progress. */
  private flushAck(): Promise<void> {
    if (this.ackFlushTimer) clearTimeout(this.ackFlushTimer);
    this.ackFlushTimer = undefined;
    const store = this.deps.store;
    const acked = this.acked;
    return store.ack(acked, this.clock.now(), this.ackBytes).then(
      () => this.deps.bus?.emit('sync.progress', { backlog: store.backlog(), ackedUpTo: store.ackedUpTo(), journalHead: store.journalHead, lastSyncMs: store.lastSyncMs() }),
      // The store may already be closed at shutdown; the records will simply be re-sent.
      (e: unknown) => this.log.warn({ err: errorMessage(e), acked }, 'could not record the ack'),
    );
  }

  /**
   * The back office holds records behind a gap and asks for them again: republish from `from`
   * (below the acked index too, should it have lost acknowledged records). The acked index never
   * moves back, so nothing is dropped from the journal and the offline counters stay as they are.
   */
  private onResync(payload: Buffer): void {
    const v = checkResync(this.inboundContext(), payload, this.lastResyncTime);
    if (!v.ok) return this.ignore('resync', v.reason, v.detail);
    const { from, time } = v.value;
    this.lastResyncTime = time;
    this.resyncs++;
    this.log.info({ from, acked: this.acked, sentUpTo: this.sentUpTo }, 'back office asked to re-send the journal');
    this.inflight = [];
    this.sentUpTo = from - 1;
    this.lastProgress = this.clock.monotonic();
    this.deps.bus?.emit('sync.resync', { from });
    this.pump();
  }

  // ---- inbound ----

  /**
   * One inbound MQTT message (public so the inbound path can be fuzzed without a broker). Every
   * payload comes from a broker we do not fully trust: nothing it sends may throw out of here.
   */
  receive(topic: string, payload: Buffer): void {
    try {
      this.route(topic, payload);
    } catch (e) {
      this.ignore('other', 'INTERNAL', errorMessage(e));
    }
  }

  private route(topic: string, payload: Buffer): void {
    const id = this.deps.terminalId;
    if (topic === topics.ack(id)) return this.onAck(payload);
    if (topic === topics.resync(id)) return this.onResync(payload);
    const kind: FleetKind | undefined = topic === topics.denylist ? 'denylist' : topic === topics.trust ? 'trust' : topic === topics.config(id) ? 'config' : undefined;
    if (!kind) return this.ignore('other', 'UNKNOWN_TOPIC', topic);
    if (payload.length === 0) return; // a cleared retained message
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    const r = applyFleetBytes(this.deps.store, this.deps.rootPublicKey, kind, bytes, this.trusted.now().ms, id, this.clock.now());
    if (r.applied) {
      this.log.info({ kind, version: r.version }, 'fleet message applied');
      this.deps.bus?.emit('fleet.applied', { kind, version: r.version });
      this.publishStatus();
    } else if (r.reason !== 'DUPLICATE') {
      this.refused[r.reason] = (this.refused[r.reason] ?? 0) + 1;
      this.ignored.note('fleet', r.reason);
      this.log.warn({ kind, reason: r.reason, detail: r.detail }, 'fleet message refused');
      this.deps.bus?.emit('fleet.refused', { kind, reason: r.reason, detail: r.detail });
    }
  }

  /**
   * The journal's storage state. While a fault stands, one probe write first: space may be back
   * with no payment since to find out, and the back office should not see a stale STORAGE_FAILED.
   */
  private storage(): StorageStatus {
    const s = this.deps.store;
    if (s.probeStorage(this.clock.now())) return { ok: true };
    const detail = s.storageFault() ?? 'unknown';
    return { ok: false, error: 'STORAGE_FAILED', detail: detail.slice(0, MAX_STORAGE_DETAIL) };
  }

  private publishStatus(): void {
    const client = this.client;
    if (!this.connected || !client) return;
    const s = this.deps.store;
    let devices: Record<string, unknown> = {};
    try {
      devices = this.deps.devices?.() ?? {};
    } catch (e) {
      this.log.warn({ err: errorMessage(e) }, 'device state provider failed');
    }
    const body: TerminalStatusMessage = {
      state: 'online',
      backlog: this.backlog(),
      lastSyncAt: s.lastSyncMs(),
      devices,
      version: this.deps.version ?? 'unknown',
      clock: this.clock.now(),
      fleet: { trust: s.fleet('trust')?.version ?? null, denylist: s.fleet('denylist')?.version ?? null, config: s.fleet('config')?.version ?? null },
      ignored: this.ignored.snapshot(),
      ...(this.deps.freshness ? { freshness: this.deps.freshness() } : {}),
      storage: this.storage(),
      ...(this.deps.location ? { location: this.deps.location } : {}),
    };
    client.publish(topics.status(this.deps.terminalId), encodeStatus(body), { qos: 1, retain: true }, (err) => {
      if (err) this.log.warn({ err: errorMessage(err) }, 'status publish refused');
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
