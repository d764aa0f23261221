// The typed client of the back-office API: bearer token, the one error shape, cursor paging, waiting and offline states.
import { session } from '../auth/session.js';
import { loadConfig } from '../config.js';
import type { ApiErrorBody, Page } from './types.js';

/** An API refusal or failure, in words: the server's code and message, or what went wrong on the way. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** Thrown when there is no usable session (never signed in, expired, or the API said 401): the app sends the user to sign in. */
export class SessionExpired extends Error {
  constructor() {
    super('Your session has ended. Sign in again.');
  }
}

export type Query = Record<string, string | number | undefined | null>;

/** Observers of the connection state (the shell shows "waiting for the back office" and "offline"). */
type NetState = { pending: number; offline: boolean };
const listeners = new Set<(s: NetState) => void>();
const net: NetState = { pending: 0, offline: false };
function emit(): void {
  for (const l of listeners) l({ ...net });
}
export function onNetState(l: (s: NetState) => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function queryString(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Query;
  body?: unknown;
  /** Sent as Idempotency-Key: a retry of the same action moves money once. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  accept?: string;
}

async function send(path: string, o: RequestOptions): Promise<Response> {
  const s = session.get();
  if (!s) throw new SessionExpired();
  const { api } = await loadConfig();
  const headers: Record<string, string> = { authorization: `Bearer ${s.accessToken}`, accept: o.accept ?? 'application/json' };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
  net.pending++;
  emit();
  let res: Response;
  try {
    res = await fetch(`${api}${path}${queryString(o.query)}`, {
      method: o.method ?? 'GET',
      headers,
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    net.offline = false;
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    net.offline = true;
    throw new ApiError(0, 'OFFLINE', 'The back office cannot be reached (offline, or it is down). Retrying when you act again.');
  } finally {
    net.pending--;
    emit();
  }
  if (res.status === 401) {
    session.clear();
    throw new SessionExpired();
  }
  if (!res.ok) throw await toError(res);
  return res;
}

async function toError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const b = JSON.parse(text) as ApiErrorBody;
    if (b.error && typeof b.error.code === 'string') return new ApiError(res.status, b.error.code, b.error.message, b.error.requestId);
  } catch {
    // not the API's error shape: a proxy or the server in trouble
  }
  return new ApiError(res.status, `HTTP_${res.status}`, text.slice(0, 200) || res.statusText || 'The back office answered with an error.');
}

export async function apiGet<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  const res = await send(path, { query, ...(signal ? { signal } : {}) });
  return (await res.json()) as T;
}

export async function apiPost<T>(path: string, body: unknown, idempotencyKey?: string): Promise<T> {
  const res = await send(path, { method: 'POST', body, ...(idempotencyKey ? { idempotencyKey } : {}) });
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export async function apiText(path: string, query?: Query, accept = 'text/csv'): Promise<string> {
  return (await send(path, { query, accept })).text();
}

/** One page of a list: `limit` and `cursor` as the API defines them. */
export function apiPage<T>(path: string, query: Query, cursor?: string | null, limit = 50, signal?: AbortSignal): Promise<Page<T>> {
  return apiGet<Page<T>>(path, { ...query, limit, cursor: cursor ?? undefined }, signal);
}

/** Every item of a list, following nextCursor (bounded: exports and charts, not browsing). */
export async function apiAll<T>(path: string, query: Query = {}, max = 10_000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await apiPage<T>(path, query, cursor, 500);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}

/** A fresh idempotency key for one user action. */
export const newIdempotencyKey = (): string => crypto.randomUUID();
