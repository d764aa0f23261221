// The back-office HTTP API server (`tessera-backoffice serve`): fastify with zod-validated routes, OpenAPI 3.1, bearer auth, the dev IdP and the web apps.
import { createHash, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { TesseraError, componentLogger, silentLogger, type Logger } from '#common';
import type { BackOffice } from '../backoffice.js';
import type { ZodApp } from './app.js';
import { TokenVerifier } from './auth.js';
import { mountDevIdp, type DevIdpHolder } from './dev-idp/mount.js';
import { DEFAULT_AUDIENCE, DEV_ACCOUNT, DEV_IDP_PATH, DEV_MERCHANT } from './constants.js';
import { seedUsers, type DevUser } from './dev-idp/users.js';
import { installErrorHandling } from './errors.js';
import { installGuard } from './guard.js';
import { IdempotencyStore, installIdempotency } from './idempotency.js';
import { healthRoutes } from './health.js';
import { ApiLogController } from './request-log.js';
import { accountRoutes } from './routes/accounts.js';
import { fleetRoutes, type BrokerSettings } from './routes/fleet.js';
import { fraudCaseRoutes } from './routes/fraud-cases.js';
import { incidentRoutes } from './routes/incidents.js';
import { meRoutes } from './routes/me.js';
import { merchantRoutes } from './routes/merchants.js';
import { overviewRoutes } from './routes/overview.js';
import { purseRoutes } from './routes/purses.js';
import { terminalRoutes, type TerminalHealthSource } from './routes/terminals.js';
import { transactionRoutes } from './routes/transactions.js';
import { walletRoutes } from './routes/wallet.js';
import { WalletService } from '../wallet/service.js';
import { defaultWebRoot, serveWebApps } from './static.js';

export interface ApiOptions {
  backOffice: BackOffice;
  host: string;
  port: number;
  /** The OIDC issuer whose tokens are accepted; with devIdp and no issuer, the dev IdP's. */
  issuer?: string;
  audience?: string;
  tls?: { cert: Buffer; key: Buffer };
  /** Browser origins allowed by CORS (none: no CORS headers at all). */
  corsOrigins?: string[];
  /** Mount the development identity provider at /dev-idp (dev only). */
  devIdp?: { merchantId?: string; accountId?: string; password?: string } | false;
  /** The URL clients reach this server at (behind a proxy); default from the listen address. */
  publicUrl?: string;
  /** Where dist/web/dashboard and dist/web/wallet are. */
  webRoot?: string;
  /** Requests per minute per client address (0: no limit). */
  rateLimit?: number;
  /** Largest request body, bytes. */
  bodyLimit?: number;
  logger?: Logger;
  /** The broker fleet messages are published through (POST /v1/fleet/…). */
  broker?: BrokerSettings;
  /** Terminal health from their MQTT status (the terminals resource and /metrics). */
  terminalHealth?: TerminalHealthSource;
}

export interface ApiStarted {
  url: string;
  issuer: string;
  /** The dev IdP's seeded users (passwords included), when it runs. */
  devUsers: DevUser[];
}

const MAX_URL = 4_096;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Loopback listen addresses: plain HTTP there is fine; anywhere else it earns a warning. */
export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

export class ApiServer {
  private app: FastifyInstance | undefined;
  private verifier: TokenVerifier | undefined;
  private readonly idp: DevIdpHolder = { users: [] };
  private readonly log: Logger;

  constructor(private readonly o: ApiOptions) {
    this.log = componentLogger(o.logger ?? silentLogger(), 'api');
  }

  /** The fastify instance (tests inject requests; the wallet API registers its routes before start). */
  get fastify(): ZodApp {
    if (!this.app) throw new TesseraError('INTERNAL', 'the API server is not built yet');
    return this.app as unknown as ZodApp;
  }

  /** Builds the app with every route; start() calls it when not called before (to add routes first). */
  async build(): Promise<ZodApp> {
    if (this.app) return this.fastify;
    const o = this.o;
    const app = Fastify({
      loggerInstance: this.log,
      logController: new ApiLogController(),
      ...(o.tls ? { https: { cert: o.tls.cert, key: o.tls.key } } : {}),
      bodyLimit: o.bodyLimit ?? 64 * 1024,
      // Caller-supplied request ids are kept when sane (tracing across proxies), made otherwise.
      genReqId: (req) => {
        const given = req.headers['x-request-id'];
        return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      },
      routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    }) as unknown as FastifyInstance;
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addHook('onRequest', async (req, reply) => {
      void reply.header('x-request-id', req.id);
      // Query strings are bounded too (Node bounds the headers at 16 KiB, fastify the body).
      if (req.url.length > MAX_URL) throw new TesseraError('API_TOO_LARGE', `the URL is longer than ${MAX_URL} characters`);
    });
    installErrorHandling(app);
    installGuard(app, { verifier: () => this.verifier });
    installEtags(app);
    installIdempotency(app, new IdempotencyStore());
    await app.register(fastifyRateLimit, { max: o.rateLimit ?? 1_200, timeWindow: 60_000, global: (o.rateLimit ?? 1) > 0, errorResponseBuilder: (_req, ctx) => Object.assign(new TesseraError('API_RATE_LIMITED', `rate limit: ${ctx.max} requests per minute; retry in ${Math.ceil(ctx.ttl / 1000)} s`), { statusCode: 429 }) });
    if (o.corsOrigins?.length) await app.register(fastifyCors, { origin: o.corsOrigins, methods: ['GET', 'POST', 'PUT', 'DELETE'], allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-none-match', 'x-request-id'], exposedHeaders: ['etag', 'x-request-id'], maxAge: 600 });
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'Tessera back office API', version: '1', description: 'Operators, merchants and wallets reach the back office here. docs/api-backoffice.md explains every endpoint with examples.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (JWT) from the configured OpenID Connect issuer, audience tessera-api.' } } },
      },
      // The document describes the JSON API only (/v1); web apps, health and metrics stay out.
      transform: (arg) => (arg.url.startsWith('/v1/') ? jsonSchemaTransform(arg) : { schema: { ...arg.schema, hide: true }, url: arg.url }),
    });
    const zapp = app as unknown as ZodApp;
    zapp.get('/v1/openapi.json', { config: { access: { public: true } }, schema: { hide: true } }, async () => app.swagger());
    healthRoutes(zapp, o.backOffice, () => this.verifier);
    meRoutes(zapp);
    accountRoutes(zapp, o.backOffice);
    purseRoutes(zapp, o.backOffice);
    terminalRoutes(zapp, o.backOffice, o.terminalHealth);
    transactionRoutes(zapp, o.backOffice);
    fraudCaseRoutes(zapp, o.backOffice);
    incidentRoutes(zapp, o.backOffice);
    fleetRoutes(zapp, o.backOffice, o.broker);
    merchantRoutes(zapp, o.backOffice);
    overviewRoutes(zapp, o.backOffice, o.terminalHealth);
    walletRoutes(zapp, new WalletService(o.backOffice));
    if (o.devIdp) mountDevIdp(app, this.idp);
    serveWebApps(app, o.webRoot ?? defaultWebRoot());
    this.app = app;
    return zapp;
  }

  async start(): Promise<ApiStarted> {
    const o = this.o;
    if (!o.issuer && !o.devIdp) throw new TesseraError('USAGE', 'serve needs --issuer URL (your OpenID Connect provider) or --dev-idp (development only)');
    await this.build();
    const app = this.app as FastifyInstance;
    try {
      await app.listen({ host: o.host, port: o.port });
    } catch (e) {
      throw new TesseraError('USAGE', `cannot listen on ${o.host}:${o.port}: ${(e as Error).message}`, { cause: e });
    }
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : o.port;
    const hostPart = isIP(o.host) === 6 ? `[${o.host}]` : o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
    const url = (o.publicUrl ?? `${o.tls ? 'https' : 'http'}://${hostPart}:${port}`).replace(/\/$/, '');
    const audience = o.audience ?? DEFAULT_AUDIENCE;
    if (o.devIdp) {
      this.idp.users = seedUsers({ merchantId: o.devIdp.merchantId ?? DEV_MERCHANT, accountId: o.devIdp.accountId ?? DEV_ACCOUNT, ...(o.devIdp.password ? { password: o.devIdp.password } : {}) });
      // oidc-provider loads only with --dev-idp.
      const { createDevIdp } = await import('./dev-idp/provider.js');
      this.idp.provider = await createDevIdp({ base: url, audience, users: this.idp.users });
    }
    const issuer = o.issuer ?? `${url}${DEV_IDP_PATH}`;
    this.verifier = new TokenVerifier({ issuer, audience });
    if (!o.tls && !isLoopback(o.host)) {
      this.log.warn({ host: o.host }, 'serving PLAIN HTTP on a non-loopback address: tokens and payment data cross the network unencrypted; use --tls-cert/--tls-key or a TLS proxy');
    }
    this.log.info({ url, issuer, audience, devIdp: Boolean(o.devIdp) }, 'back-office API listening');
    return { url, issuer, devUsers: [...this.idp.users] };
  }

  async stop(): Promise<void> {
    await this.app?.close();
  }
}

/** ETags for single-resource GETs: a hash of the body; If-None-Match with it answers 304 without the body. */
function installEtags(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method !== 'GET' || !reply.routeOptions.config.etag || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    const tag = `"${createHash('sha256').update(payload).digest('base64url').slice(0, 27)}"`;
    void reply.header('etag', tag);
    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').some((t) => t.trim() === tag || t.trim() === `W/${tag}`)) {
      void reply.code(304);
      return '';
    }
    return payload;
  });
}
