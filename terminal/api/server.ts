// The control API: HTTP/JSON on a Unix socket (CLI) and optionally TCP (plain or TLS) with a bearer token (cash registers).
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { z } from 'zod';
import { TesseraError, errorMessage, isTesseraError, silentLogger, systemClock, type Clock, type ErrorCode, type Logger } from '#common';
import type { Checkout } from '../checkout/checkout.js';
import type { Store } from '../store/index.js';
import type { TerminalConfig } from '../config.js';
import { PaymentOutcomes } from './outcomes.js';
import { closeUnread, limitedServer, listen, tlsFiles, tokenDigest } from './listen.js';
import { RouteTable, queryObject, validate, type ApiContext, type ApiHost } from './http.js';
import { ROUTES } from './routes.js';

export type { ApiHost } from './http.js';

export interface ControlApiOptions {
  daemon: ApiHost;
  config: TerminalConfig['api'];
  /** Language and time zone of reports (default: English, UTC). */
  locale?: TerminalConfig['locale'];
  /** The daemon's version, as the OpenAPI document states it. */
  version?: string;
  log?: Logger;
  /** Group id lookup for the socket's group (default: /etc/group). */
  groupId?: (name: string) => number | undefined;
  clock?: Clock;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  API_BAD_REQUEST: 400,
  USAGE: 400,
  API_UNAUTHORIZED: 401,
  API_IDEMPOTENCY_MISMATCH: 422,
  CURRENCY_MISMATCH: 400,
  PAYMENT_NOT_FOUND: 404,
  PAYMENT_BUSY: 409,
  PAYMENT_STATE: 409,
  TERMINAL_NOT_READY: 503,
  PRINTER_UNAVAILABLE: 503,
  SYNC_TIMEOUT: 504,
};

const MAX_BODY = 64 * 1024;

function etcGroupId(name: string): number | undefined {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [n, , gid] = line.split(':');
      if (n === name && gid !== undefined) return Number(gid);
    }
  } catch {
    // no /etc/group: no group
  }
  return undefined;
}

export class ControlApi {
  private unix: Server | undefined;
  private tcp: Server | undefined;
  private tokenDigest: Buffer | undefined;
  /** Why the TCP API is not served, when it is configured and failed to start. */
  private tcpError: { code: string; message: string } | undefined;
  private readonly log: Logger;
  private readonly sse = new Set<ServerResponse>();
  private outcomes: PaymentOutcomes | undefined;
  private readonly table = new RouteTable(ROUTES);

  constructor(private readonly o: ControlApiOptions) {
    this.log = o.log ?? silentLogger();
  }

  private get co(): Checkout {
    const c = this.o.daemon.checkout;
    if (!c) throw new TesseraError('TERMINAL_NOT_READY', 'the checkout is not running');
    return c;
  }

  private get store(): Store {
    const s = this.o.daemon.store;
    if (!s) throw new TesseraError('TERMINAL_NOT_READY', 'the store is not open');
    return s;
  }

  async start(): Promise<void> {
    const cfg = this.o.config;
    const { store, checkout } = this.o.daemon;
    if (store && checkout) {
      this.outcomes = new PaymentOutcomes(store, checkout.bus, this.log);
      this.outcomes.start((this.o.clock ?? systemClock).now());
    }
    await this.listenUnix(cfg.socket);
    if (cfg.tcp) await this.listenTcp(cfg.tcp);
  }

  /** The register link is optional: when it cannot be served, the terminal runs on (CLI, scanner) and status says why. */
  private async listenTcp(tcp: NonNullable<TerminalConfig['api']['tcp']>): Promise<void> {
    try {
      this.tokenDigest = tokenDigest(tcp.tokenFile);
      const srv = limitedServer(this.o.config, (q, s) => void this.handle(q, s, true), tcp.tls ? tlsFiles(tcp.tls) : undefined);
      await listen(srv, tcp.port, tcp.host);
      this.tcp = srv;
      this.log.info({ host: tcp.host, port: this.tcpPort, tls: tcp.tls !== undefined }, 'control API on TCP');
    } catch (e) {
      const err = isTesseraError(e) ? e : new TesseraError('CONFIG_INVALID', `api.tcp: cannot listen on ${tcp.host}:${tcp.port}: ${errorMessage(e)}`, { cause: e });
      this.tcpError = { code: err.code, message: err.message };
      this.log.error({ err }, 'control API on TCP not served; the terminal runs on without it');
    }
  }

  /** The listeners as `tessera status` shows them. */
  status(): { socket: string; tcp?: { state: 'listening' | 'failed'; host: string; port?: number; tls: boolean; error?: { code: string; message: string } } } {
    const tcp = this.o.config.tcp;
    if (!tcp) return { socket: this.o.config.socket };
    const base = { host: tcp.host, tls: tcp.tls !== undefined };
    if (this.tcpError) return { socket: this.o.config.socket, tcp: { state: 'failed', ...base, port: tcp.port, error: this.tcpError } };
    return { socket: this.o.config.socket, tcp: { state: 'listening', ...base, ...(this.tcpPort !== undefined ? { port: this.tcpPort } : {}) } };
  }

  get tcpPort(): number | undefined {
    const a = this.tcp?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  private async listenUnix(path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      if (!lstatSync(path).isSocket()) throw new TesseraError('CONFIG_INVALID', `api.socket: ${path} exists and is not a socket`);
      const alive = await new Promise<boolean>((resolve) => {
        const c = connect(path);
        c.once('connect', () => {
          c.destroy();
          resolve(true);
        });
        c.once('error', () => resolve(false));
      });
      if (alive) throw new TesseraError('CONFIG_INVALID', `api.socket: another daemon is listening on ${path}`);
      unlinkSync(path); // stale socket of a daemon that died
    }
    this.unix = limitedServer(this.o.config, (q, s) => void this.handle(q, s, false));
    await listen(this.unix, path);
    chmodSync(path, parseInt(this.o.config.socketMode, 8));
    const group = this.o.config.socketGroup;
    if (group) {
      const gid = (this.o.groupId ?? etcGroupId)(group);
      if (gid === undefined) this.log.warn({ group }, 'socket group not found; socket keeps the daemon group');
      else chownSync(path, -1, gid);
    }
    this.log.info({ path }, 'control API on unix socket');
  }

  async stop(): Promise<void> {
    for (const s of this.sse) s.end();
    this.sse.clear();
    await Promise.all(
      [this.unix, this.tcp].map(
        (srv) =>
          new Promise<void>((resolve) => {
            if (!srv) return resolve();
            srv.close(() => resolve());
            srv.closeAllConnections();
          }),
      ),
    );
    this.unix = this.tcp = undefined;
    this.outcomes?.stop();
    this.outcomes = undefined;
  }

  // ---------------------------------------------------------------- dispatch

  private authorised(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(h);
    if (!m || !this.tokenDigest) return false;
    return timingSafeEqual(createHash('sha256').update((m[1] as string).trim()).digest(), this.tokenDigest);
  }

  /** What handlers see: the daemon's parts, looked up per request (the checkout and store may not be up yet). */
  private context(): ApiContext {
    const parts = { co: () => this.co, store: () => this.store };
    return {
      get checkout() {
        return parts.co();
      },
      get store() {
        return parts.store();
      },
      daemon: this.o.daemon,
      config: this.o.config,
      locale: this.o.locale ?? { language: 'en', timeZone: 'UTC' },
      outcomes: this.outcomes,
      clock: this.o.clock ?? systemClock,
      log: this.log,
      track: (r) => {
        this.sse.add(r);
        return () => this.sse.delete(r);
      },
      routes: ROUTES,
      version: this.o.version ?? '0.0.0',
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse, tcp: boolean): Promise<void> {
    try {
      if (tcp && !this.authorised(req)) throw new TesseraError('API_UNAUTHORIZED', 'missing or wrong bearer token');
      const url = new URL(req.url ?? '/', 'http://tessera');
      const m = this.table.match(req.method ?? 'GET', url.pathname);
      if (!m) throw new TesseraError('API_BAD_REQUEST', `no route ${req.method} ${url.pathname}`, { details: { httpStatus: 404 } });
      if ('allow' in m) {
        res.setHeader('allow', m.allow.join(', '));
        throw new TesseraError('API_BAD_REQUEST', `${req.method} is not allowed on ${url.pathname} (allowed: ${m.allow.join(', ')})`, { details: { httpStatus: 405 } });
      }
      const { route, params } = m;
      const query = validate('query', route.query ?? EMPTY, queryObject(url));
      const body = route.method === 'GET' ? {} : validate('body', route.body ?? EMPTY, await readBody(req));
      const reply = await route.handle(this.context(), { query, body, params, req, res } as never);
      if (!reply) return; // the handler wrote the response (a stream)
      const headers = { ...reply.headers };
      if (reply.status === 201) {
        // Every 201 says where the new resource is; a route that forgets it is a bug, not a silent omission.
        if (!route.location) throw new TesseraError('INTERNAL', `route ${route.method} ${route.path} answered 201 without a location`);
        headers.location = route.location(reply.body as never);
      }
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      this.json(res, reply.status, reply.body);
    } catch (e) {
      const err = isTesseraError(e) ? e : new TesseraError('INTERNAL', errorMessage(e));
      if (!isTesseraError(e)) this.log.error({ err: e }, 'API handler failed');
      const status = (err.details?.httpStatus as number | undefined) ?? STATUS[err.code] ?? 500;
      // Refused before its body was read (no token, too large): answer and close, never read the rest.
      closeUnread(req, res);
      if (res.headersSent) res.end();
      else {
        const details = err.details?.answer;
        this.json(res, status, { error: { code: err.code, message: err.message, ...(details !== undefined ? { details } : {}) } });
      }
    }
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  }
}

/** A route without a query or body schema takes none: any parameter or field is unknown. */
const EMPTY = z.strictObject({});

/** The request body as JSON (empty: {}); size-capped before and while reading. */
async function readBody(req: IncomingMessage): Promise<unknown> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) throw new TesseraError('API_BAD_REQUEST', 'request body too large', { details: { httpStatus: 413 } });
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_BODY) throw new TesseraError('API_BAD_REQUEST', 'request body too large', { details: { httpStatus: 413 } });
    chunks.push(c);
  }
  if (n === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new TesseraError('API_BAD_REQUEST', 'request body is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TesseraError('API_BAD_REQUEST', 'request body must be a JSON object');
  return v;
}
