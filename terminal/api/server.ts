// The control API: HTTP/JSON on a Unix socket (CLI) and optionally TCP (plain or TLS) with a bearer token (cash registers).
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { TesseraError, errorMessage, isTesseraError, silentLogger, systemClock, type Clock, type ErrorCode, type Logger } from '#common';
import { fromHex } from '#protocol';
import type { Checkout } from '../checkout/checkout.js';
import type { PaymentState } from '../checkout/types.js';
import type { FleetApplyResult } from '../checkout/fleet.js';
import type { Store } from '../store/index.js';
import type { TerminalConfig } from '../config.js';
import { txJson } from './transactions.js';
import { redactSecrets } from '../secrets.js';
import { serveEvents } from './events.js';
import { PaymentOutcomes } from './outcomes.js';
import { closeUnread, limitedServer, listen, tlsFiles, tokenDigest } from './listen.js';
import { writeExport } from './export.js';
import { adjustmentRoutes } from './adjustments.js';

/** What the API serves; the Daemon implements it. */
export interface ApiHost {
  checkout: Checkout | undefined;
  store: Store | undefined;
  status(): unknown;
  applyUpdate(text: string): FleetApplyResult;
  /** An extra component by name (sync), if the daemon runs one. */
  component?(name: string): unknown;
  /** Why an extra component failed to start, if it did. */
  componentFailure?(name: string): { code: string; message: string } | undefined;
}

export interface ControlApiOptions {
  daemon: ApiHost;
  config: TerminalConfig['api'];
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

type Handler = (req: IncomingMessage, res: ServerResponse, m: RegExpMatchArray, url: URL) => Promise<void> | void;

export class ControlApi {
  private unix: Server | undefined;
  private tcp: Server | undefined;
  private tokenDigest: Buffer | undefined;
  /** Why the TCP API is not served, when it is configured and failed to start. */
  private tcpError: { code: string; message: string } | undefined;
  private readonly log: Logger;
  private readonly sse = new Set<ServerResponse>();
  private outcomes: PaymentOutcomes | undefined;
  private readonly routes: [string, RegExp, Handler][];

  constructor(private readonly o: ControlApiOptions) {
    this.log = o.log ?? silentLogger();
    this.routes = [
      ['GET', /^\/v1\/status$/, (_q, s) => this.json(s, 200, redactSecrets(this.o.daemon.status()))],
      ['POST', /^\/v1\/payments$/, (q, s) => this.startPayment(q, s)],
      ['GET', /^\/v1\/payments\/current$/, (_q, s) => this.json(s, 200, this.co.current() ?? this.notFound('no open payment'))],
      ['GET', /^\/v1\/payments\/([0-9a-f]{32})$/, (_q, s, m) => this.json(s, 200, this.payment(m[1] as string) ?? this.notFound(`no payment ${m[1]}`))],
      ['POST', /^\/v1\/payments\/current\/cancel$/, (_q, s) => this.json(s, 200, this.co.cancel())],
      ['POST', /^\/v1\/payments\/([0-9a-f]{32})\/cancel$/, (_q, s, m) => this.json(s, 200, this.co.cancel(m[1]))],
      ['GET', /^\/v1\/transactions$/, (_q, s, _m, u) => this.listTx(s, u)],
      ['GET', /^\/v1\/transactions\/export$/, (_q, s, _m, u) => this.exportTx(s, u)],
      ['GET', /^\/v1\/transactions\/([0-9a-fA-F]{64}|\d+)$/, (_q, s, m) => this.showTx(s, m[1] as string)],
      ...adjustmentRoutes({ checkout: () => this.co, body: (q) => this.body(q) }),
      ['POST', /^\/v1\/reprint$/, (q, s) => this.reprint(q, s)],
      ['GET', /^\/v1\/events$/, (q, s, _m, u) => this.events(q, s, u)],
      ['POST', /^\/v1\/fleet$/, (q, s) => this.fleet(q, s)],
      ['POST', /^\/v1\/scan$/, (q, s) => this.scan(q, s)],
      ['POST', /^\/v1\/sync$/, (q, s) => this.sync(q, s)],
    ];
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

  // ---------------------------------------------------------------- plumbing

  private authorised(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(h);
    if (!m || !this.tokenDigest) return false;
    return timingSafeEqual(createHash('sha256').update((m[1] as string).trim()).digest(), this.tokenDigest);
  }

  private async handle(req: IncomingMessage, res: ServerResponse, tcp: boolean): Promise<void> {
    try {
      if (tcp && !this.authorised(req)) throw new TesseraError('API_UNAUTHORIZED', 'missing or wrong bearer token');
      const url = new URL(req.url ?? '/', 'http://tessera');
      for (const [method, re, h] of this.routes) {
        const m = url.pathname.match(re);
        if (!m) continue;
        if (req.method !== method) continue;
        await h(req, res, m, url);
        return;
      }
      throw new TesseraError('API_BAD_REQUEST', `no route ${req.method} ${url.pathname}`, { details: { httpStatus: 404 } });
    } catch (e) {
      const err = isTesseraError(e) ? e : new TesseraError('INTERNAL', errorMessage(e));
      if (!isTesseraError(e)) this.log.error({ err: e }, 'API handler failed');
      const status = (err.details?.httpStatus as number | undefined) ?? STATUS[err.code] ?? 500;
      // Refused before its body was read (no token, too large): answer and close, never read the rest.
      closeUnread(req, res);
      if (res.headersSent) res.end();
      else this.json(res, status, { error: { code: err.code, message: err.message } });
    }
  }

  /** Asks sync to drain now; with {"wait": true} answers once the backlog is 0 (or SYNC_TIMEOUT). */
  private async sync(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await this.body(req);
    const c = this.o.daemon.component?.('sync') as { drainNow?: (ms?: number) => Promise<void>; status?: () => unknown } | undefined;
    if (!c?.drainNow) throw new TesseraError('BROKER_UNREACHABLE', 'sync is not configured on this terminal (no "sync" section in the config)', { details: { httpStatus: 409 } });
    const failed = this.o.daemon.componentFailure?.('sync');
    if (failed) throw new TesseraError('BROKER_UNREACHABLE', `sync failed to start: ${failed.code}: ${failed.message}`, { details: { httpStatus: 409 } });
    const drain = c.drainNow(typeof body.timeoutMs === 'number' ? body.timeoutMs : undefined);
    if (body.wait === true) await drain;
    else drain.catch(() => {});
    this.json(res, 200, c.status?.() ?? {});
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  }

  private notFound(msg: string): never {
    throw new TesseraError('PAYMENT_NOT_FOUND', msg);
  }

  private async body(req: IncomingMessage): Promise<Record<string, unknown>> {
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
    return v as Record<string, unknown>;
  }

  // ---------------------------------------------------------------- handlers

  private async startPayment(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const b = await this.body(req);
    if (typeof b.amount !== 'number') throw new TesseraError('API_BAD_REQUEST', 'amount (integer minor units) is required');
    if (b.currency !== undefined && typeof b.currency !== 'string') throw new TesseraError('API_BAD_REQUEST', 'currency must be a string');
    if (b.reference !== undefined && typeof b.reference !== 'string') throw new TesseraError('API_BAD_REQUEST', 'reference must be a string');
    const start = (): Promise<PaymentState> =>
      this.co.startPayment({
        amount: b.amount as number,
        ...(b.currency !== undefined ? { currency: b.currency as string } : {}),
        ...(b.reference !== undefined ? { reference: b.reference as string } : {}),
      });
    const key = req.headers['idempotency-key'];
    if (key === undefined || !this.outcomes) return this.json(res, 201, await start());
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(key)) throw new TesseraError('API_BAD_REQUEST', 'Idempotency-Key must be 1-128 visible ASCII characters');
    const r = await this.outcomes.withKey(key, b, start, (id) => this.payment(id));
    if (r.replayed) res.setHeader('idempotent-replayed', 'true');
    this.json(res, r.replayed ? 200 : 201, r.payment);
  }

  private listTx(res: ServerResponse, url: URL): void {
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 50) || 50, 1), 1000);
    const after = Number(url.searchParams.get('after') ?? 0) || 0;
    const approvedOnly = url.searchParams.get('approved') === 'true';
    const descending = url.searchParams.get('order') !== 'asc';
    const rows = descending && after === 0 ? this.store.listRows({ limit, approvedOnly, descending: true }) : this.store.listRows({ afterIdx: after, limit, approvedOnly });
    this.json(res, 200, { head: this.store.journalHead, transactions: rows.map(txJson) });
  }

  private showTx(res: ServerResponse, id: string): void {
    const row = /^\d+$/.test(id) ? this.store.getRow(Number(id)) : this.store.findByTxId(fromHex(id.toLowerCase()));
    if (!row) throw new TesseraError('PAYMENT_NOT_FOUND', `no transaction ${id}`);
    this.json(res, 200, txJson(row));
  }

  private exportTx(res: ServerResponse, url: URL): void {
    const format = url.searchParams.get('format') ?? 'jsonl';
    if (format !== 'csv' && format !== 'jsonl') throw new TesseraError('API_BAD_REQUEST', 'format must be csv or jsonl');
    res.writeHead(200, { 'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson', 'cache-control': 'no-store' });
    const store = this.store;
    const src = { head: store.journalHead, page: (afterIdx: number, limit: number) => store.listRows({ afterIdx, limit }) };
    writeExport(res, format, src).catch((e: unknown) => {
      this.log.warn({ err: e }, 'export failed');
      res.destroy();
    });
  }

  private async reprint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const b = await this.body(req);
    if (b.txId !== undefined && typeof b.txId !== 'string') throw new TesseraError('API_BAD_REQUEST', 'txId must be a hex string');
    this.json(res, 200, await this.co.reprint(b.txId as string | undefined));
  }

  private events(req: IncomingMessage, res: ServerResponse, url: URL): void {
    serveEvents(req, res, url, {
      checkout: this.co,
      store: this.store,
      status: () => redactSecrets(this.o.daemon.status()),
      track: (r) => {
        this.sse.add(r);
        return () => this.sse.delete(r);
      },
    });
  }

  /** A payment the checkout holds, else its outcome on record (older, or from before a restart). */
  private payment(id: string): PaymentState | undefined {
    return this.co.getPayment(id) ?? this.outcomes?.lookup(id);
  }

  private async fleet(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const b = await this.body(req);
    if (typeof b.text !== 'string') throw new TesseraError('API_BAD_REQUEST', 'text (TL1:… or TF1:…) is required');
    const r = this.o.daemon.applyUpdate(b.text);
    this.json(res, r.ok ? 200 : 422, r);
  }

  private async scan(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.o.config.allowScanInjection) throw new TesseraError('API_BAD_REQUEST', 'scan injection is disabled (api.allowScanInjection)', { details: { httpStatus: 403 } });
    const b = await this.body(req);
    if (typeof b.code !== 'string') throw new TesseraError('API_BAD_REQUEST', 'code (the scanned text) is required');
    this.json(res, 200, await this.co.scan(b.code));
  }
}
