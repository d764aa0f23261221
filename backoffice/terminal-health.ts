// Terminal health for the API: every terminal's retained MQTT status, validated, with last seen, backlog, versions and list ages.
import type { MqttClient } from 'mqtt';
import { EventBus, silentLogger, type Logger } from '#common';
import { parseStatus, parseTerminalTopic, topics, type ListFreshnessStatus, type TerminalLocation, type TerminalStatusMessage } from '#protocol';
import { brokerTlsOptions, connectBroker, type BrokerTlsFiles, type ConnectFn } from './service.js';

export interface ListHealth {
  /** Version the terminal applied (null: none yet). */
  version: number | null;
  /** Issue time of the list whose age counts (s), as the terminal reported it. */
  issuedAt: number | null;
  /** Age now (s), from issuedAt and the back office's clock. */
  ageSeconds: number | null;
  /** fresh / stale-soon / stale as the terminal judged it at its last status. */
  state: ListFreshnessStatus['state'] | null;
}

export interface TerminalHealth {
  terminalId: string;
  /** false after the terminal's clean stop or its last will (the broker saw it go). */
  online: boolean;
  /**
   * When the terminal last said something (s): the arrival time of a live status; for a retained one
   * delivered at subscription, its own clock at publication, never later than its arrival.
   */
  lastSeen: number;
  /** Records not yet acknowledged by clearing. */
  backlog: number;
  lastSyncAt: number | null;
  version: string;
  devices: Record<string, unknown>;
  /** The terminal's clock minus ours when the status arrived (s): large values mean a wrong clock. */
  clockSkewSeconds: number;
  trust: ListHealth;
  denylist: ListHealth & { installed: boolean | null };
  configVersion: number | null;
  storage: { ok: true } | { ok: false; error: string; detail: string } | null;
  /** Where the terminal stands, from its config (null: it does not say). */
  location: TerminalLocation | null;
}

export interface TerminalHealthEvents {
  status: { terminalId: string; online: boolean };
  ignored: { topic: string; reason: string; detail: string };
}

export interface TerminalHealthOptions {
  url: string;
  /** The back office's broker identity (its role reads every status: backoffice/broker-acl.ts). */
  tls?: BrokerTlsFiles;
  connect?: ConnectFn;
  logger?: Logger;
  /** Seconds of the back office's clock. */
  now?: () => number;
  protocolVersion?: 4 | 5;
}

interface Entry {
  online: boolean;
  lastSeen: number;
  skew: number;
  status: Extract<TerminalStatusMessage, { state: 'online' }>;
}

const listHealth = (version: number | null, f: ListFreshnessStatus | undefined, now: number): ListHealth => ({
  version,
  issuedAt: f?.issuedAt ?? null,
  ageSeconds: f ? Math.max(0, now - f.issuedAt) : null,
  state: f?.state ?? null,
});

/** Prometheus label values: backslash, quote and newline escaped. */
const label = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class TerminalHealthMonitor {
  readonly events = new EventBus<TerminalHealthEvents>();
  private client: MqttClient | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly ignoredCounts: Record<string, number> = {};
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly opts: TerminalHealthOptions) {
    this.log = opts.logger ?? silentLogger();
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  }

  async start(): Promise<void> {
    const client = await connectBroker(
      this.opts.url,
      {
        // Its own client id: a second connection under the clearing's id would close the clearing's.
        clientId: `tessera-health-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
        clean: true,
        protocolVersion: this.opts.protocolVersion ?? 5,
        ...brokerTlsOptions(this.opts.tls),
      },
      this.opts.connect,
    );
    this.client = client;
    client.on('message', (topic, payload, packet) => this.receive(topic, payload, packet.retain));
    // A clean session: after a reconnect the broker re-sends every retained status on the new subscription.
    client.on('connect', () => void client.subscribeAsync(topics.allStatus, { qos: 1 }).catch(() => {}));
    await client.subscribeAsync(topics.allStatus, { qos: 1 });
    this.log.info({ url: this.opts.url }, 'terminal health subscribed');
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync();
  }

  /** One status message (public for tests and fuzzing): whatever arrives, nothing thrown stops the monitor. */
  receive(topic: string, payload: Buffer, retained = false): void {
    const t = parseTerminalTopic(topic);
    if (t?.leaf !== 'status') return this.ignore(topic, 'UNKNOWN_TOPIC', 'not a terminal status topic');
    // An empty retained payload clears the status: the terminal was taken out of service.
    if (payload.length === 0) {
      this.entries.delete(t.terminalId);
      return;
    }
    const s = parseStatus(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
    if (!s.ok) return this.ignore(topic, s.reason, s.detail);
    const prev = this.entries.get(t.terminalId);
    const arrived = this.now();
    if (s.value.state === 'offline') {
      // The will or a clean stop: the broker, not the terminal, speaks; last seen stays what it was.
      if (prev) prev.online = false;
      this.events.emit('status', { terminalId: t.terminalId, online: false });
      return;
    }
    const sentAt = Math.floor(s.value.clock / 1000);
    this.entries.set(t.terminalId, { online: true, lastSeen: retained ? Math.min(sentAt, arrived) : arrived, skew: sentAt - arrived, status: s.value });
    this.events.emit('status', { terminalId: t.terminalId, online: true });
  }

  private ignore(topic: string, reason: string, detail: string): void {
    this.ignoredCounts[reason] = (this.ignoredCounts[reason] ?? 0) + 1;
    this.log.warn({ topic, reason, detail }, 'terminal status ignored');
    this.events.emit('ignored', { topic, reason, detail });
  }

  /** Statuses ignored since start, by reason (MALFORMED, TOO_LARGE, UNKNOWN_TOPIC). */
  ignored(): Record<string, number> {
    return { ...this.ignoredCounts };
  }

  get(terminalId: string): TerminalHealth | undefined {
    const e = this.entries.get(terminalId);
    if (!e) return undefined;
    const s = e.status;
    const now = this.now();
    return {
      terminalId,
      online: e.online,
      lastSeen: e.lastSeen,
      backlog: s.backlog,
      lastSyncAt: s.lastSyncAt === null ? null : Math.floor(s.lastSyncAt / 1000),
      version: s.version,
      devices: s.devices,
      clockSkewSeconds: e.skew,
      trust: listHealth(s.fleet.trust, s.freshness?.trust, now),
      denylist: { ...listHealth(s.fleet.denylist, s.freshness?.denylist, now), installed: s.freshness?.denylist.installed ?? null },
      configVersion: s.fleet.config,
      storage: s.storage ?? null,
      location: s.location ?? null,
    };
  }

  /** The API's terminal health source: what get() says, or null for a terminal never heard from. */
  health(terminalId: string): Record<string, unknown> | null {
    const h = this.get(terminalId);
    return h ? { ...h } : null;
  }

  /** Every terminal heard from, by id. */
  list(): TerminalHealth[] {
    return [...this.entries.keys()].sort().map((id) => this.get(id) as TerminalHealth);
  }

  /** Prometheus text lines (with HELP and TYPE) for /metrics. */
  metrics(): string {
    const all = this.list();
    const gauge = (name: string, help: string, value: (h: TerminalHealth) => number | null): string[] => [
      `# HELP ${name} ${help}`,
      `# TYPE ${name} gauge`,
      ...all.flatMap((h) => {
        const v = value(h);
        return v === null ? [] : [`${name}{terminal="${label(h.terminalId)}"} ${v}`];
      }),
    ];
    return [
      ...gauge('tessera_terminal_last_seen_seconds', 'Unix time the terminal last published its status.', (h) => h.lastSeen),
      ...gauge('tessera_terminal_online', '1 while the terminal is connected to the broker.', (h) => (h.online ? 1 : 0)),
      ...gauge('tessera_terminal_backlog_records', 'Journal records the terminal has not had acknowledged.', (h) => h.backlog),
      ...gauge('tessera_terminal_trust_list_age_seconds', "Age of the terminal's trust list.", (h) => h.trust.ageSeconds),
      ...gauge('tessera_terminal_denylist_age_seconds', "Age of the terminal's deny list.", (h) => h.denylist.ageSeconds),
      `# HELP tessera_terminal_status_ignored_total Terminal status messages ignored, by reason.`,
      `# TYPE tessera_terminal_status_ignored_total counter`,
      ...Object.entries(this.ignoredCounts).map(([r, n]) => `tessera_terminal_status_ignored_total{reason="${label(r)}"} ${n}`),
    ].join('\n') + '\n';
  }
}
