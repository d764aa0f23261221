// The sync configuration: one zod schema is the type, the defaults, the validation and the docs.
import { z } from 'zod';

const ms = (def: number, what: string) => z.number().int().positive().default(def).describe(`${what} (ms, default ${def})`);

export const syncTlsSchema = z
  .object({
    ca: z.string().min(1).describe('PEM file of the CA that signed the broker certificate (pinned: system CAs are not used)'),
    cert: z.string().min(1).optional().describe("PEM file of this terminal's client certificate (mutual TLS; CN = terminal id)"),
    key: z.string().min(1).optional().describe('PEM file of the client private key (mode 0600)'),
    servername: z.string().optional().describe('TLS server name to verify, when the URL host is not the name in the broker certificate'),
  })
  .strict()
  .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'tls.cert and tls.key go together' });

export const syncConfigSchema = z
  .object({
    brokerUrl: z.string().regex(/^(mqtts?|tcp|tls|ssl):\/\/[^\s]+$/, 'mqtt://host:port or mqtts://host:port').default('mqtt://127.0.0.1:1883').describe('Broker URL; mqtts:// for TLS'),
    clientId: z.string().min(1).max(128).optional().describe('MQTT client id; defaults to the terminal id (the broker keeps the persistent session under it)'),
    tls: syncTlsSchema.optional().describe('TLS files; required for mqtts:// in production'),
    username: z.string().optional().describe('MQTT username, when the broker does not take the identity from the client certificate'),
    password: z.string().optional().describe('MQTT password inline (deprecated: it would sit in the config file; use passwordFile)'),
    passwordFile: z
      .string()
      .min(1)
      .optional()
      .describe('File holding the MQTT password: a bare name is a systemd credential (LoadCredential=NAME:…, read from $CREDENTIALS_DIRECTORY), a path must be owner-only (0600/0400)'),
    protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5).describe('MQTT protocol: 5 (default) or 4 (3.1.1)'),
    batchSize: z.number().int().min(1).max(1000).default(200).describe('Journal records per journal message (default 200)'),
    window: z.number().int().min(1).max(64).default(8).describe('Journal messages published and not yet acknowledged by the back office (default 8)'),
    ackTimeoutMs: ms(15_000, 'Without any back-office ack for this long while messages are in flight, republish from the acked index'),
    ackFlushMs: z.number().int().min(0).max(60_000).default(250).describe('Acks are written to SQLite (fsync) at most this often while draining, and at once when the backlog reaches 0; a crash in between only re-sends records the back office de-duplicates (ms, default 250)'),
    connectTimeoutMs: ms(10_000, 'Give up one connection attempt after this long'),
    sessionExpirySeconds: z.number().int().min(0).max(0xffffffff).default(30 * 86_400).describe('MQTT 5 session expiry: how long the broker keeps subscriptions and queued acks/config while offline (s, default 30 days)'),
    keepaliveSeconds: z.number().int().min(5).max(600).default(30).describe('MQTT keepalive (s, default 30)'),
    reconnectMinMs: ms(500, 'First reconnect delay; doubles per failed attempt'),
    reconnectMaxMs: ms(30_000, 'Longest reconnect delay'),
    reconnectJitter: z.number().min(0).max(1).default(0.5).describe('Fraction of each reconnect delay drawn at random, so a fleet does not reconnect in step (default 0.5)'),
    statusIntervalMs: ms(60_000, 'Period of the retained status message while connected'),
    pollMs: ms(1_000, 'How often new journal records are looked for when nobody calls notify()'),
    drainTimeoutMs: ms(120_000, 'Default limit for drainNow()'),
  })
  .strict()
  .refine((c) => c.reconnectMinMs <= c.reconnectMaxMs, { message: 'reconnectMinMs must not exceed reconnectMaxMs' });

export type SyncConfig = z.output<typeof syncConfigSchema>;
export type SyncConfigInput = z.input<typeof syncConfigSchema>;

/** Parses and fills defaults; throws the zod error for the caller to turn into CONFIG_INVALID. */
export function parseSyncConfig(input: SyncConfigInput = {}): SyncConfig {
  return syncConfigSchema.parse(input);
}
