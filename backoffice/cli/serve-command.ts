// The `serve` command: runs the back-office HTTP API (and, with --dev-idp, the development identity provider) until SIGTERM.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { TesseraError, componentLogger, createLogger, errorMessage } from '#common';
import { BackOffice } from '../backoffice.js';
import { DEFAULT_AUDIENCE, DEV_ACCOUNT, DEV_MERCHANT } from '../api/constants.js';

interface Globals {
  home: string;
  db?: string;
  json?: boolean;
}

interface ServeOptions {
  listen: string;
  issuer?: string;
  audience: string;
  tlsCert?: string;
  tlsKey?: string;
  corsOrigin: string[];
  devIdp?: boolean;
  devMerchant?: string;
  devAccount?: string;
  publicUrl?: string;
  webRoot?: string;
  rateLimit: number;
  broker?: string;
  ca?: string;
  cert?: string;
  key?: string;
}

/** host:port, [v6]:port; a bad one is a usage error before anything opens. */
export function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(v);
  const port = Number(m?.[3]);
  if (!m || port > 65_535) throw new TesseraError('USAGE', `--listen must be HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), got "${v}"`);
  return { host: (m[1] ?? m[2]) as string, port };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TesseraError('CONFIG_NOT_FOUND', `cannot read the TLS ${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function perMinute(v: string): number {
  if (!/^\d+$/.test(v)) throw new TesseraError('USAGE', `--rate-limit must be a whole number of requests per minute, got "${v}"`);
  return Number(v);
}

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'The back-office HTTP API (JSON under /v1, OpenAPI 3.1 at /v1/openapi.json) for operators, merchants and wallets, on the same ledger as clearing (--db). Access tokens are JWTs from --issuer (any OpenID Connect provider). Also serves the dashboard at /dashboard/ and the wallet app at /wallet/.',
    )
    .addOption(new Option('--listen <host:port>', 'address to listen on').env('TESSERA_API_LISTEN').default('127.0.0.1:8080'))
    .addOption(new Option('--issuer <url>', 'OpenID Connect issuer whose access tokens are accepted (its discovery document gives the JWKS)').env('TESSERA_API_ISSUER'))
    .addOption(new Option('--audience <aud>', 'the audience access tokens must name').env('TESSERA_API_AUDIENCE').default(DEFAULT_AUDIENCE))
    .addOption(new Option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)').env('TESSERA_API_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'the private key of --tls-cert (PEM)').env('TESSERA_API_TLS_KEY'))
    .option('--cors-origin <origin>', 'a browser origin allowed to call the API (repeat for several; none: no CORS)', collect, [])
    .option('--public-url <url>', 'the URL clients reach this server at, when behind a proxy (default: from --listen)')
    .option('--web-root <dir>', 'directory holding the dashboard/ and wallet/ builds (default: dist/web)')
    .option('--rate-limit <n>', 'requests per minute per client address (0: no limit)', perMinute, 1_200)
    .option('--broker <url>', "MQTT broker to publish fleet messages through (POST /v1/fleet/…; without it those answer 503) and to read terminals' retained statuses from (their health in /v1/terminals and /metrics)")
    .option('--dev-idp', 'DEVELOPMENT ONLY: run an identity provider at /dev-idp with seeded users operator, merchant, customer (passwords printed here)')
    .option('--dev-merchant <id>', 'with --dev-idp: the merchant id of the seeded merchant user', DEV_MERCHANT)
    .option('--dev-account <id>', 'with --dev-idp: the account id of the seeded customer (created when missing)', DEV_ACCOUNT)
    .action(async (o: ServeOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const { host, port } = parseListen(o.listen);
      if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new TesseraError('USAGE', '--tls-cert and --tls-key go together');
      if (!o.issuer && !o.devIdp) throw new TesseraError('USAGE', 'serve needs --issuer URL (your OpenID Connect provider) or --dev-idp (development only)');
      const tls = o.tlsCert && o.tlsKey ? { cert: readPem(o.tlsCert, 'certificate'), key: readPem(o.tlsKey, 'key') } : undefined;
      const logger = createLogger({ base: { service: 'tessera-backoffice-api' } });
      const bo = await BackOffice.open(g.home, { logger, db: g.db });
      const dev = o.devIdp ? { merchantId: o.devMerchant, accountId: o.devAccount } : false;
      if (dev && !(await bo.ledger.getAccount(o.devAccount ?? ''))) await bo.createAccount(o.devAccount as string, 'Ana Customer (dev)');
      // fastify and the API load only for this command (every CLI start counts on a small server).
      const { ApiServer, isLoopback } = await import('../api/server.js');
      // With a broker, terminals' retained statuses give the terminals resource and /metrics their health.
      const { TerminalHealthMonitor } = o.broker ? await import('../terminal-health.js') : { TerminalHealthMonitor: undefined };
      const health = o.broker && TerminalHealthMonitor ? new TerminalHealthMonitor({ url: o.broker, tls: { ca: o.ca, cert: o.cert, key: o.key }, logger: componentLogger(logger, 'terminal-health'), now: () => bo.now() }) : undefined;
      const server = new ApiServer({
        backOffice: bo,
        host,
        port,
        audience: o.audience,
        corsOrigins: o.corsOrigin,
        rateLimit: o.rateLimit,
        logger,
        ...(o.issuer ? { issuer: o.issuer } : {}),
        ...(tls ? { tls } : {}),
        ...(dev ? { devIdp: dev } : {}),
        ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
        ...(o.broker ? { broker: { url: o.broker, tls: { ca: o.ca, cert: o.cert, key: o.key } } } : {}),
        ...(o.webRoot ? { webRoot: o.webRoot } : {}),
        ...(health ? { terminalHealth: health } : {}),
      });
      try {
        // The API serves without terminal health rather than not at all when the broker is down at start.
        await health?.start().catch((e: unknown) => logger.warn({ err: errorMessage(e) }, 'terminal health unavailable: cannot reach the broker (restart serve once it is up)'));
        const started = await server.start();
        const users = started.devUsers.map((u) => ({ username: u.username, password: u.password, roles: u.roles, merchantId: u.merchantId, accountId: u.accountId }));
        const text = [
          `back-office API on ${started.url} (OpenAPI: ${started.url}/v1/openapi.json), tokens from ${started.issuer}`,
          ...(users.length ? ['DEVELOPMENT identity provider running; seeded users (dev passwords, never in production):', ...users.map((u) => `  ${u.username} / ${u.password}  (${u.roles.join(',')}${u.merchantId ? ` ${u.merchantId}` : ''}${u.accountId ? ` ${u.accountId}` : ''})`)] : []),
        ];
        if (!tls && !isLoopback(host)) {
          process.stderr.write(`WARNING: serving PLAIN HTTP on ${host}, a non-loopback address: access tokens and payment data cross the network unencrypted. Use --tls-cert/--tls-key, or a TLS proxy in front and --listen 127.0.0.1:PORT.\n`);
        }
        process.stdout.write((g.json ? JSON.stringify({ running: true, url: started.url, issuer: started.issuer, pid: process.pid, devUsers: users }) : text.join('\n')) + '\n');
        await new Promise<void>((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
      } finally {
        await server.stop();
        await health?.stop();
        await bo.close();
      }
    });
}
