// A minimal back-office journal consumer for tests and the bench: shared subscription, de-dup, in-order acceptance, signed acks.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { buildAck, decodeBatch, decodeObject, recordHash, signObject, topics, type Signer } from '#protocol';
import { SYNC_CLEARING } from './sync-trust.js';

export interface ConsumerOptions {
  url: string;
  clientId?: string;
  /** Extra mqtt options (TLS files, protocol version). */
  mqtt?: IClientOptions;
  /** Receive but do not ack until release() (to keep records in flight). */
  hold?: boolean;
  /** Skip per-record decoding and take the index from the first record only (bench). */
  fast?: boolean;
  /** Signs acks (role CLEARING in the terminal's trust list); default the sync tests' clearing key. */
  signer?: Signer;
}

interface TerminalLog {
  upTo: number;
  /** Accepted records, index i at position i − 1. */
  records: Uint8Array[];
  duplicates: number;
  gaps: number;
}

const SHARE = topics.clearingShare;

/** The journal index of a record (COSE JournalRecord). */
export function recordIndex(bytes: Uint8Array): number {
  const d = decodeObject('JOURNAL_RECORD', bytes);
  if (!d.ok) throw new Error(`not a journal record: ${d.reason} ${d.detail}`);
  return d.value.value.index;
}

/**
 * Accepts a terminal's records strictly in order: the next expected index is taken, an older one is
 * a duplicate, a later one (a gap: an earlier batch was lost) is dropped until the terminal resends.
 * After every batch it acks upTo = the highest contiguous accepted index, as clearing does.
 */
export class JournalConsumer {
  readonly terminals = new Map<string, TerminalLog>();
  messages = 0;
  received = 0;
  private client: MqttClient | undefined;
  private holding: boolean;
  private running = false;
  /** Acks made while disconnected, sent on the next connection. */
  private readonly pendingAcks: { topic: string; body: Buffer }[] = [];
  /** Acks are signed in order (each waits for the previous one). */
  private signing: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ConsumerOptions) {
    this.holding = opts.hold === true;
  }

  async start(): Promise<void> {
    this.running = true;
    const first = this.connect();
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('consumer could not connect')), 10_000);
      first.once('connect', () => {
        clearTimeout(t);
        resolve();
      });
    });
    await first.subscribeAsync(SHARE, { qos: 1 });
  }

  /** The underlying client, for tests that watch its events. */
  get mqttClient(): MqttClient | undefined {
    return this.client;
  }

  // A fresh client per connection (like the terminal's SyncService): mqtt.js's own reconnect was
  // seen to stall after a broker SIGKILL under load.
  private connect(): MqttClient {
    const client = mqtt.connect(this.opts.url, {
      clientId: this.opts.clientId ?? 'clearing-test',
      // A clean session: terminals re-send whatever is not acked, so clearing needs no broker-side
      // state, and mosquitto 2.0.11 was seen to stop delivering to a shared subscription restored
      // from persistence after a SIGKILL.
      clean: true,
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...this.opts.mqtt,
    });
    this.client = client;
    client.on('connect', () => {
      client.subscribe(SHARE, { qos: 1 });
      for (const a of this.pendingAcks.splice(0)) client.publish(a.topic, a.body, { qos: 1 });
    });
    client.on('message', (topic, payload) => this.onBatch(topic, payload));
    client.on('error', () => {});
    client.on('close', () => {
      if (this.client !== client) return;
      client.end(true);
      if (this.running) setTimeout(() => this.running && this.connect(), 100);
    });
    return client;
  }

  log(terminalId: string): TerminalLog {
    let l = this.terminals.get(terminalId);
    if (!l) {
      l = { upTo: 0, records: [], duplicates: 0, gaps: 0 };
      this.terminals.set(terminalId, l);
    }
    return l;
  }

  upTo(terminalId: string): number {
    return this.terminals.get(terminalId)?.upTo ?? 0;
  }

  private onBatch(topic: string, payload: Buffer): void {
    const terminalId = topic.split('/')[3] ?? '';
    const batch = decodeBatch(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
    if (!batch.ok) throw new Error(`journal payload refused: ${batch.reason}`);
    const arr = batch.value;
    this.messages++;
    const l = this.log(terminalId);
    const first = arr[0];
    const base = this.opts.fast && first instanceof Uint8Array ? recordIndex(first) : 0;
    arr.forEach((r, i) => {
      this.received++;
      const idx = this.opts.fast ? base + i : recordIndex(r);
      if (idx <= l.upTo) l.duplicates++;
      else if (idx === l.upTo + 1) {
        l.records.push(r);
        l.upTo = idx;
      } else l.gaps++;
    });
    if (!this.holding) this.ack(terminalId, l.upTo);
  }

  /** Publishes a signed ack naming the accepted record at `upTo` by its hash (also usable to ack less than received, while holding). */
  ack(terminalId: string, upTo: number): void {
    const l = this.log(terminalId);
    const rec = l.records[upTo - 1];
    const hash = upTo === 0 || !rec ? new Uint8Array(32) : recordHash(rec);
    const signer = this.opts.signer ?? SYNC_CLEARING;
    this.signing = this.signing.then(async () => {
      const body = Buffer.from(await signObject('ACK', buildAck(terminalId, upTo, hash, Math.floor(Date.now() / 1000), []), signer));
      const a = { topic: topics.ack(terminalId), body };
      if (this.client?.connected) this.client.publish(a.topic, a.body, { qos: 1 });
      else this.pendingAcks.push(a);
    });
  }

  /** Stops holding and acks what has been accepted so far. */
  release(): void {
    this.holding = false;
    for (const [id, l] of this.terminals) this.ack(id, l.upTo);
  }

  async stop(): Promise<void> {
    this.running = false;
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync(true);
  }
}

/** Polls `cond` until true, or throws after `timeoutMs` with `what` in the message. */
export async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
