// The control API's route model: a route declares its method, path, query/body schemas and summary; this module matches and validates requests against them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { TesseraError, type Clock, type Logger } from '#common';
import type { Checkout } from '../checkout/checkout.js';
import type { Store } from '../store/index.js';
import type { TerminalConfig } from '../config.js';
import type { TerminalIdentity } from '../checkout/identity.js';
import type { PrinterLike } from '../checkout/devices.js';
import type { FleetApplyResult } from '../checkout/fleet.js';
import type { PaymentOutcomes } from './outcomes.js';

/** What the API serves; the Daemon implements it. */
export interface ApiHost {
  checkout: Checkout | undefined;
  store: Store | undefined;
  /** Who the terminal is (receipts and reports name it), once the daemon has started. */
  identity?: TerminalIdentity | undefined;
  printer?: PrinterLike | undefined;
  status(): unknown;
  applyUpdate(text: string): FleetApplyResult;
  /** An extra component by name (sync), if the daemon runs one. */
  component?(name: string): unknown;
  /** Why an extra component failed to start, if it did. */
  componentFailure?(name: string): { code: string; message: string } | undefined;
}

/** What every handler works with; `checkout` and `store` throw TERMINAL_NOT_READY until the daemon has them. */
export interface ApiContext {
  readonly checkout: Checkout;
  readonly store: Store;
  readonly daemon: ApiHost;
  readonly config: TerminalConfig['api'];
  readonly locale: TerminalConfig['locale'];
  readonly outcomes: PaymentOutcomes | undefined;
  readonly clock: Clock;
  readonly log: Logger;
  /** Keeps a long-lived response (SSE) to end it at stop; returns the function that forgets it. */
  track(res: ServerResponse): () => void;
  /** The route table itself (the OpenAPI document is generated from it). */
  readonly routes: readonly AnyRoute[];
  readonly version: string;
}

/** A JSON answer; a handler that writes the response itself (streams) returns nothing. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Obj = z.ZodObject;

export interface RouteInput<Q extends Obj | undefined, B extends Obj | undefined> {
  query: Q extends Obj ? z.output<Q> : Record<string, never>;
  body: B extends Obj ? z.output<B> : Record<string, never>;
  params: Record<string, string>;
  req: IncomingMessage;
  res: ServerResponse;
}

export interface Route<Q extends Obj | undefined = Obj | undefined, B extends Obj | undefined = Obj | undefined> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI-style template: `/v1/payments/{id}`. */
  path: string;
  /** The pattern of each `{name}` in the path; a path whose segment does not match is another path (404, or another route). */
  params?: Record<string, RegExp>;
  summary: string;
  /** Every accepted query parameter; anything else is refused. Values arrive as strings. */
  query?: Q;
  /** The JSON body (a strict object): unknown fields are refused. A POST without one takes no fields. */
  body?: B;
  /** Status codes this route answers besides errors, and what they mean (OpenAPI). */
  responses: Partial<Record<number, string>>;
  /** Media type of a successful answer (default application/json). */
  produces?: string;
  /** Where the created resource lives: every 201 carries it as `Location`. */
  location?: (body: never) => string;
  /** Needs `Idempotency-Key` support documented (the header is optional). */
  idempotent?: boolean;
  handle(ctx: ApiContext, input: RouteInput<Q, B>): Promise<Reply | void> | Reply | void;
}

export type AnyRoute = Route<Obj | undefined, Obj | undefined>;

/** Declares a route with its handler typed by its own schemas. */
export function route<Q extends Obj | undefined = undefined, B extends Obj | undefined = undefined>(r: Route<Q, B>): AnyRoute {
  return r as unknown as AnyRoute;
}

interface Compiled {
  route: AnyRoute;
  re: RegExp;
  names: string[];
}

export type Match = { route: AnyRoute; params: Record<string, string> } | { allow: string[] } | undefined;

/** Resolves a method and path to a route, or the methods the path has (405), or nothing (404). */
export class RouteTable {
  private readonly compiled: Compiled[];

  constructor(readonly routes: readonly AnyRoute[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const src = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'));
      for (const n of names) if (!route.params?.[n]) throw new Error(`route ${route.method} ${route.path}: no pattern for {${n}}`);
      return { route, re: new RegExp(`^${src}$`), names };
    });
    const seen = new Set<string>();
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) throw new Error(`route ${key} declared twice`);
      seen.add(key);
    }
  }

  match(method: string, pathname: string): Match {
    const allow: string[] = [];
    for (const c of this.compiled) {
      const m = c.re.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      let ok = true;
      c.names.forEach((n, i) => {
        const v = decodeURIComponent(m[i + 1] as string);
        if (!(c.route.params?.[n] as RegExp).test(v)) ok = false;
        params[n] = v;
      });
      if (!ok) continue;
      if (c.route.method === method) return { route: c.route, params };
      if (!allow.includes(c.route.method)) allow.push(c.route.method);
    }
    return allow.length ? { allow } : undefined;
  }
}

function issueText(where: 'body' | 'query', issue: z.core.$ZodIssue): string {
  const noun = where === 'body' ? 'field' : 'query parameter';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
    return `unknown ${noun}${issue.keys.length > 1 ? 's' : ''} ${keys}${where === 'query' ? ' (not a filter of this route)' : ''}`;
  }
  const path = issue.path.map(String).join('.');
  return path ? `${noun} ${path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Validates against a route's schema; the 400 names the first offending field. */
export function validate<S extends Obj>(where: 'body' | 'query', schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues.find((i) => i.code === 'unrecognized_keys') ?? r.error.issues[0];
  throw new TesseraError('API_BAD_REQUEST', issue ? issueText(where, issue) : `invalid ${where}`, { details: { httpStatus: 400 } });
}

/** The query string as an object of strings; a parameter given twice is refused rather than one of them silently dropped. */
export function queryObject(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (k in out) throw new TesseraError('API_BAD_REQUEST', `query parameter ${JSON.stringify(k)} given more than once`);
    out[k] = v;
  }
  return out;
}

/** The request's optional Idempotency-Key (routes marked `idempotent`), checked for shape. */
export function idempotencyKeyOf(req: IncomingMessage): string | undefined {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(key)) throw new TesseraError('API_BAD_REQUEST', 'Idempotency-Key must be 1-128 visible ASCII characters');
  return key;
}
