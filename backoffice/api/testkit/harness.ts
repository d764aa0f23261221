// Starts the API in-process on a fresh back office (SQLite file, or a PostgreSQL URL) with a test issuer, and calls it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '#common';
import { BackOffice } from '../../backoffice.js';
import { ApiServer, type ApiOptions } from '../server.js';
import { TestIssuer, type TokenClaims } from './token-issuer.js';

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestApi {
  url: string;
  bo: BackOffice;
  issuer: TestIssuer;
  server: ApiServer;
  /** A valid token for the claims from the test issuer. */
  token(c: TokenClaims): Promise<string>;
  call<T = unknown>(method: string, path: string, o?: CallOptions): Promise<Answer<T>>;
  close(): Promise<void>;
}

export async function callApi<T>(url: string, method: string, path: string, o: CallOptions = {}): Promise<Answer<T>> {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...o.headers,
    },
    ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}),
  });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON (a static file): kept as text
  }
  return { status: r.status, body: body as T, headers: r.headers };
}

export interface TestApiOptions extends Partial<Omit<ApiOptions, 'backOffice'>> {
  /** A postgres:// URL: the ledger lives there (test/support/postgres.ts createDatabase). */
  db?: string;
  logger?: Logger;
  /** Serve this back office (the caller closes it) instead of a fresh one. */
  backOffice?: BackOffice;
  /** Add routes before the server starts (the wallet API does). */
  before?: (server: ApiServer, bo: BackOffice) => Promise<void> | void;
}

export async function startTestApi(o: TestApiOptions = {}): Promise<TestApi> {
  const home = mkdtempSync(join(tmpdir(), 'tessera-api-'));
  const issuer = await new TestIssuer(o.audience).start();
  const own = !o.backOffice;
  const bo = o.backOffice ?? (await BackOffice.init(home, { currency: 'EUR', ...(o.db ? { db: o.db } : {}), ...(o.logger ? { logger: o.logger } : {}) }));
  const { db: _db, before, backOffice: _bo, ...rest } = o;
  const server = new ApiServer({ host: '127.0.0.1', port: 0, rateLimit: 0, issuer: issuer.issuer, ...rest, backOffice: bo });
  await server.build();
  await before?.(server, bo);
  const started = await server.start();
  return {
    url: started.url,
    bo,
    issuer,
    server,
    token: (c) => issuer.mint(c),
    call: (method, path, c) => callApi(started.url, method, path, c),
    close: async () => {
      await server.stop();
      if (own) await bo.close();
      await issuer.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
