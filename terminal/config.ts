// The terminal's configuration: one zod schema for type, defaults, validation and docs; loading with clear errors.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LANGUAGES, TesseraError, isCurrency, isTimeZone } from '#common';
import { syncConfigSchema } from './sync/config.js';
import { CONFIG_VERSION, migrateConfig, type MigrationResult } from './config-migrate.js';

export { CONFIG_VERSION, migrateConfig, type MigrationResult } from './config-migrate.js';

export const DEFAULT_CONFIG_PATH = '/etc/tessera/terminal.json';
/** The service's writable StateDirectory (the unit makes /etc read-only to the daemon). */
export const DEFAULT_STATE_DIR = '/var/lib/tessera';

const TERMINAL_ID = /^[A-Za-z0-9._-]{1,32}$/;

/** A device entry: an object the drivers validate (lazily, so client commands never load them), or null for "none". */
const deviceSection = (d: string) =>
  z
    .union([z.looseObject({ type: z.string().min(1) }), z.null()])
    .optional()
    .describe(d);

/**
 * The status message's bounds on a location label (protocol/sync/status.ts MAX_LOCATION_LABEL and
 * LOCATION_LABEL; terminal/config.test.ts holds them equal): spelled here because the CLI's client
 * commands load this module and never the protocol.
 */
const LOCATION_LABEL_MAX = 80;

const hours = (d: string) => z.number().min(0).describe(d);

export const IdentitySchema = z
  .object({
    keyFile: z.string().min(1).default(`${DEFAULT_STATE_DIR}/terminal.key`).describe('Terminal private key (PKCS#8 PEM, mode 0600). Never copied into this file.'),
    certFile: z.string().min(1).default(`${DEFAULT_STATE_DIR}/terminal.cert`).describe('Terminal certificate as QR text (TC1:…), issued by the back office.'),
    trustListFile: z.string().min(1).default(`${DEFAULT_STATE_DIR}/trust.list`).describe('Root-signed trust list as QR text (TL1:…). A newer list received over sync replaces it.'),
    rootKeyFile: z.string().min(1).default(`${DEFAULT_STATE_DIR}/root.pub`).describe('Root public key: 33-byte compressed P-256, hex. The one trust anchor.'),
    fleetConfigFile: z
      .string()
      .min(1)
      .optional()
      .describe('Signed fare/terminal config fleet message (TF1:…) from the bundle; applied at start unless sync already applied a newer one.'),
    denylistFile: z
      .string()
      .min(1)
      .optional()
      .describe('Signed deny list fleet message (TF1:…) from the bundle; applied at start unless sync already applied a newer one.'),
  })
  .strict()
  .describe('Where the installed identity files are (written by `tessera provision init` and `install`, in the state dir).');

export const TerminalSchema = z
  .object({
    id: z.string().regex(TERMINAL_ID, '1-32 of A-Z a-z 0-9 . _ -').describe('Terminal id; must equal the certificate\'s.'),
    mode: z.enum(['merchant', 'transit']).describe('Terminal mode; must equal the certificate\'s.'),
    merchantId: z.string().regex(TERMINAL_ID, '1-32 of A-Z a-z 0-9 . _ -').describe('Merchant id (operator id in transit mode); must equal the certificate\'s once installed.'),
    displayName: z
      .string()
      .regex(/^[^\p{Cc}]{1,40}$/u, '1-40 printable characters')
      .describe('Name shown to customers (the certificate\'s, once installed; the certificate wins).'),
  })
  .strict()
  .describe('What `tessera provision init` set up. Optional: the daemon refuses to start when it contradicts the installed certificate.');

export const ApiSchema = z
  .object({
    socket: z.string().min(1).default('/run/tessera/control.sock').describe('Unix socket of the control API (HTTP/JSON). The CLI talks to it.'),
    socketMode: z
      .string()
      .regex(/^0?[0-7]{3}$/, 'an octal mode such as "0660"')
      .default('0660')
      .describe('File mode of the socket (octal text).'),
    socketGroup: z.string().optional().describe('Group that owns the socket (for example "tessera"); unset keeps the daemon\'s group.'),
    tcp: z
      .object({
        host: z.string().default('127.0.0.1').describe('Address to listen on. Loopback by default; a register on the LAN needs "0.0.0.0" (or the LAN address) and should use `tls`.'),
        port: z.number().int().min(0).max(65535).describe('TCP port (0 picks a free one, for tests).'),
        tokenFile: z
          .string()
          .min(1)
          .describe('File holding the bearer token cash registers must send (Authorization: Bearer …); at least 16 characters, readable by its owner only (mode 0600 or 0400).'),
        tls: z
          .object({
            cert: z.string().min(1).describe('PEM certificate chain the API presents to registers.'),
            key: z.string().min(1).describe('PEM private key of that certificate (readable by its owner only).'),
          })
          .strict()
          .optional()
          .describe('Serve the TCP API over TLS (HTTPS), so the token and payments do not cross the LAN in clear.'),
      })
      .strict()
      .optional()
      .describe('Optional: the same API on TCP for electronic cash registers; every request needs the bearer token. A failure to serve it (bad token file, port taken) is logged and shown in status; the terminal runs on.'),
    maxConnections: z.number().int().min(1).max(10_000).default(32).describe('Most open connections per listener (Unix socket, TCP); further connections are closed at once.'),
    headersTimeoutMs: z.number().int().min(100).max(600_000).default(10_000).describe('A connection must send its complete request headers within this long, or it is closed.'),
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000).describe('A request must arrive complete (headers and body) within this long, or it is closed.'),
    keepAliveTimeoutMs: z.number().int().min(100).max(600_000).default(5_000).describe('An idle keep-alive connection is closed after this long.'),
    allowScanInjection: z
      .boolean()
      .default(false)
      .describe('Accept POST /v1/scan (a code as if scanned). For demos and tests; keep off in the field.'),
  })
  .describe('Control API.');

export const MerchantSchema = z
  .object({
    currency: z
      .string()
      .refine(isCurrency, 'an ISO 4217 currency code such as "EUR"')
      .default('EUR')
      .describe('The terminal\'s currency: payment requests are in it, and a request in any other is refused (CURRENCY_MISMATCH).'),
    requestTimeoutSeconds: z.number().int().min(5).max(3600).default(120).describe('An open payment request expires after this long.'),
    resultDisplaySeconds: z.number().min(0).max(60).default(4).describe('How long approved/declined stays on the display before it returns.'),
    printReceipts: z.boolean().default(true).describe('Print a receipt after each approved payment.'),
    receiptHeader: z.array(z.string().max(48)).default([]).describe('Lines printed above each receipt.'),
    receiptFooter: z
      .array(z.string().max(48))
      .optional()
      .describe('Lines printed below each receipt; unset: "Thank you" in locale.language.'),
  })
  .describe('Merchant mode (terminal certificate mode "merchant").');

export const LocaleSchema = z
  .object({
    language: z.enum(LANGUAGES).default('en').describe('Language of the customer display and the receipts (amounts are formatted in it too).'),
    timeZone: z
      .string()
      .refine(isTimeZone, 'an IANA time zone such as "Europe/Paris"')
      .default('UTC')
      .describe('The merchant\'s time zone (IANA name), for the dates printed on receipts.'),
  })
  .strict()
  .describe('What customers read: language and time zone of screens and receipts (docs/i18n.md).');

export const TransitSchema = z
  .object({
    alreadyValidatedSeconds: z
      .number()
      .min(0)
      .max(86_400)
      .default(30)
      .describe(
        'The same code (the exact bytes approved) presented again within this many seconds shows "already validated" and charges nothing; other bytes with the same transaction id are verified again (docs/protocol.md §8.3).',
      ),
    resultDisplaySeconds: z.number().min(0).max(60).default(1.5).describe('How long OK/DENIED stays on the display.'),
  })
  .describe('Transit mode (terminal certificate mode "transit"). Fares come from the signed fleet config message.');

export const LimitsSchema = z
  .object({
    maxPerPurseOffline: z
      .number()
      .int()
      .min(0)
      .default(5_000)
      .describe('Most one purse may spend at this terminal between two successful syncs (minor units), on top of the purse\'s own cap.'),
    maxUnsyncedPayments: z.number().int().min(0).default(1_000).describe('Most approved payments not yet acknowledged by the back office.'),
    maxUnsyncedAmount: z.number().int().min(0).default(200_000).describe('Most total amount approved and not yet acknowledged (minor units).'),
    maxOfflineHours: hours('Longest time since the last successful sync (or since first start) before the policy below applies.').default(72),
    afterMaxOffline: z
      .enum(['refuse', 'lower'])
      .default('lower')
      .describe('Past maxOfflineHours: "refuse" declines every payment; "lower" declines payments above lowerPaymentLimit.'),
    lowerPaymentLimit: z.number().int().min(0).default(500).describe('Largest payment accepted past maxOfflineHours when afterMaxOffline is "lower" (minor units).'),
    trustListMaxAgeHours: hours(
      'Oldest trust list (by its issue time) accepted for payments. The root signs a new one offline (a renewal ceremony, quarterly); status warns once less than a quarter of this remains (docs/decisions.md D-freshness).',
    ).default(24 * 180),
    denylistMaxAgeHours: hours(
      'Oldest deny list (by its issue time) accepted for payments. Clearing re-signs it hourly, so only a terminal cut off from the fleet (or a fleet without clearing) reaches it. With no deny list installed, the trust list\'s issue time counts.',
    ).default(72),
  })
  .describe('Offline risk limits. A limit reached declines with TERMINAL_LIMIT; a stale trust/deny list with TRUST_STALE.');

export const ClockSchema = z
  .object({
    slackSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(300)
      .describe('How far the wall clock may be behind the persisted time high-water mark and still be trusted.'),
    checkpointSeconds: z.number().int().min(1).max(3600).default(60).describe('How often the trusted time is persisted.'),
  })
  .describe('Trusted time (a Raspberry Pi has no real-time clock).');

export const ConfigSchema = z
  .object({
    version: z
      .number()
      .int()
      .min(1)
      .max(CONFIG_VERSION)
      .default(CONFIG_VERSION)
      .describe('Config file format version. An older file is migrated when loaded (the daemon logs it; the next `tessera provision` step writes it back); a newer one is refused with CONFIG_TOO_NEW.'),
    terminal: TerminalSchema.optional(),
    identity: IdentitySchema.default(IdentitySchema.parse({})),
    database: z
      .object({ path: z.string().min(1).default(`${DEFAULT_STATE_DIR}/terminal.db`).describe('The SQLite journal file (WAL, synchronous=FULL).') })
      .default({ path: `${DEFAULT_STATE_DIR}/terminal.db` })
      .describe('The durable journal.'),
    api: ApiSchema.default(ApiSchema.parse({})),
    merchant: MerchantSchema.default(MerchantSchema.parse({})),
    locale: LocaleSchema.default(LocaleSchema.parse({})),
    transit: TransitSchema.default(TransitSchema.parse({})),
    limits: LimitsSchema.default(LimitsSchema.parse({})),
    clock: ClockSchema.default(ClockSchema.parse({})),
    devices: z
      .object({
        scanner: deviceSection(
          'Scanner: the drivers\' ScannerConfig ({"type":"serial","path":"/dev/serial/by-id/…"}, hid, emulator). Line endings (serial framing.terminator cr|lf|crlf|any, default any, or framing.interByteTimeoutMs), maxLength (default 2048 characters; a longer line is refused as TOO_LARGE) and rereadWindowMs (default 1500): docs/protocol.md §11.',
        ),
        display: deviceSection('Display: the drivers\' DisplayConfig ({"type":"framebuffer","device":"/dev/fb1"}, vfd, console, emulator).'),
        printer: deviceSection('Printer: the drivers\' PrinterConfig ({"type":"serial","path":…}, usblp, tcp, emulator); merchant mode only.'),
      })
      .strict()
      .default({})
      .describe(
        'Devices. Each entry is validated by the drivers\' schema (`tessera config check`, `tessera provision`); null means "none, on purpose"; an absent entry means not configured.',
      ),
    location: z
      .object({
        lat: z.number().min(-90).max(90).describe('Latitude, WGS 84 degrees (north positive).'),
        lon: z.number().min(-180).max(180).describe('Longitude, WGS 84 degrees (east positive).'),
        label: z.string().min(1).max(LOCATION_LABEL_MAX).regex(/^[^\p{Cc}]+$/u, 'printable characters').optional().describe('A place name for people ("Market square, stall 4").'),
      })
      .strict()
      .optional()
      .describe("Where the terminal stands. Sent in its MQTT status so the back office's dashboard can show the fleet on a map (a change takes a restart); absent: listed only."),
    sync: syncConfigSchema
      .optional()
      .describe('Sync over MQTT (terminal/sync), written by `tessera provision broker`. Absent: the terminal runs offline only and the journal waits.'),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level (TESSERA_LOG_LEVEL overrides).'),
        syslogPrefix: z
          .enum(['auto', 'always', 'never'])
          .default('auto')
          .describe('Start each log line with its syslog priority `<N>` so `journalctl -p warning` can filter. "auto": when stdout is the journal (JOURNAL_STREAM).'),
      })
      .default({ level: 'info', syslogPrefix: 'auto' })
      .describe('Logging.'),
  })
  .strict()
  .describe('/etc/tessera/terminal.json');

export type TerminalConfig = z.output<typeof ConfigSchema>;
export type TerminalConfigInput = z.input<typeof ConfigSchema>;

/** Validates a parsed JSON value; throws CONFIG_INVALID naming the first bad field path. */
export function parseConfig(value: unknown, source = 'config'): TerminalConfig {
  const r = ConfigSchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue && issue.path.length ? issue.path.join('.') : '(root)';
  throw new TesseraError('CONFIG_INVALID', `${source}: ${path}: ${issue?.message ?? 'invalid'}`, {
    details: { path, issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
  });
}

/** The config path: explicit flag, then TESSERA_CONFIG, then the default. */
export function configPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.TESSERA_CONFIG ?? DEFAULT_CONFIG_PATH;
}

/** Reads and validates the config file. A missing file is CONFIG_NOT_FOUND; a torn or invalid one CONFIG_INVALID. */
export function loadConfig(
  path: string,
  read: (p: string) => string = (p) => readFileSync(p, 'utf8'),
  parse: (value: unknown, source: string) => TerminalConfig = parseConfig,
): TerminalConfig {
  return loadConfigMigrated(path, read, parse).config;
}

/** loadConfig, also saying which migrations brought an older file to CONFIG_VERSION (the daemon and `config check` report them). */
export function loadConfigMigrated(
  path: string,
  read: (p: string) => string = (p) => readFileSync(p, 'utf8'),
  parse: (value: unknown, source: string) => TerminalConfig = parseConfig,
): { config: TerminalConfig; migration: MigrationResult } {
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new TesseraError(code === 'ENOENT' ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID', `cannot read config ${path}: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TesseraError('CONFIG_INVALID', `${path}: not valid JSON (torn or hand-edited?): ${(e as Error).message}`, { cause: e, details: { path: '(root)' } });
  }
  const migration = migrateConfig(json, path);
  return { config: parse(migration.config, path), migration };
}

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  items?: JsonSchemaNode;
}

/** docs/config.md, generated from the schema so the docs cannot drift from the code. */
export function configDocs(): string {
  const root = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const lines: string[] = [
    '# Terminal configuration',
    '',
    '<!-- Generated by `tessera config docs` from terminal/config.ts; do not edit by hand. -->',
    '',
    `The daemon reads one JSON file: \`${DEFAULT_CONFIG_PATH}\` by default, or the path given by \`--config\` or`,
    '`TESSERA_CONFIG`. Every field has a default, so `{}` is a valid file; unknown top-level keys are refused.',
    'Keys are referenced by path only. `tessera config check` validates a file and names the first bad field.',
    '',
    '| field | type | default | description |',
    '| --- | --- | --- | --- |',
  ];
  const typeOf = (n: JsonSchemaNode): string => {
    if (n.enum) return n.enum.map((v) => JSON.stringify(v)).join(' \\| ');
    const t = Array.isArray(n.type) ? n.type.join('\\|') : (n.type ?? 'any');
    const range = [n.minimum !== undefined ? `≥${n.minimum}` : '', n.maximum !== undefined ? `≤${n.maximum}` : ''].filter(Boolean).join(' ');
    return t === 'array' && n.items ? `${typeOf(n.items)}[]` : `${t}${range ? ` (${range})` : ''}`;
  };
  const walk = (node: JsonSchemaNode, prefix: string): void => {
    for (const [k, child] of Object.entries(node.properties ?? {})) {
      const path = prefix ? `${prefix}.${k}` : k;
      const isObject = child.type === 'object' && child.properties;
      const def = child.default === undefined || isObject ? '' : `\`${JSON.stringify(child.default)}\``;
      lines.push(`| \`${path}\` | ${isObject ? 'object' : typeOf(child)} | ${def} | ${(child.description ?? '').replace(/\|/g, '\\|')} |`);
      if (isObject) walk(child, path);
    }
  };
  walk(root, '');
  lines.push('');
  return lines.join('\n');
}
