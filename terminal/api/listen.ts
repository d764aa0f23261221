// The control API's listeners: connection cap and header/request/keep-alive timeouts on every server, TLS on TCP, the owner-only token file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { TesseraError, errorMessage } from '#common';
import type { TerminalConfig } from '../config.js';
import { readOwnerOnly } from '../secrets.js';

type ApiConfig = TerminalConfig['api'];

/**
 * An HTTP(S) server that cannot be held open: at most `maxConnections` sockets (the next one is
 * closed on accept), headers within `headersTimeoutMs` also for a connection that sends nothing,
 * the whole request within `requestTimeoutMs`, idle keep-alive sockets closed after
 * `keepAliveTimeoutMs`. Node checks the first two only every `connectionsCheckingInterval`, 30 s
 * by default, which let slow half-open connections pile up; here it is a fraction of the timeout.
 */
export function limitedServer(cfg: ApiConfig, listener: RequestListener, tls?: { cert: Buffer; key: Buffer }): Server {
  const opts = {
    headersTimeout: cfg.headersTimeoutMs,
    requestTimeout: Math.max(cfg.requestTimeoutMs, cfg.headersTimeoutMs),
    keepAliveTimeout: cfg.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(cfg.headersTimeoutMs / 4))),
  };
  // A TLS handshake that never completes holds a socket too: bounded like the headers (default 120 s).
  const srv: Server = tls ? createTlsServer({ ...opts, ...tls, handshakeTimeout: cfg.headersTimeoutMs }, listener) : createServer(opts, listener);
  srv.maxConnections = cfg.maxConnections;
  return srv;
}

/** The bearer token's SHA-256: compared in constant time against the digest of what a request sends. */
export function tokenDigest(tokenFile: string): Buffer {
  const token = readOwnerOnly(tokenFile, 'api.tcp.tokenFile').toString('utf8').trim();
  if (token.length < 16) throw new TesseraError('CONFIG_INVALID', 'api.tcp.tokenFile: the token must be at least 16 characters');
  return createHash('sha256').update(token).digest();
}

/** The TLS certificate and key of the TCP API, the key owner-only like the token. */
export function tlsFiles(tls: NonNullable<NonNullable<ApiConfig['tcp']>['tls']>): { cert: Buffer; key: Buffer } {
  let cert: Buffer;
  try {
    cert = readFileSync(tls.cert);
  } catch (e) {
    throw new TesseraError('CONFIG_INVALID', `api.tcp.tls.cert: cannot read ${tls.cert}: ${errorMessage(e)}`, { cause: e });
  }
  return { cert, key: readOwnerOnly(tls.key, 'api.tcp.tls.key') };
}

/**
 * Ends a request whose body was not read (refused before it, e.g. no token): the answer goes out
 * with `Connection: close` and the socket is destroyed once it is written, because Node would
 * otherwise read and discard the rest of the body, however large, to keep the connection alive.
 */
export function closeUnread(req: IncomingMessage, res: ServerResponse): void {
  const announced = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  // `complete` turns true only once the body is read, so a request without one counts as complete.
  if (!announced || req.complete) return;
  if (!res.headersSent) res.setHeader('connection', 'close');
  res.once('finish', () => req.socket.destroy());
}

export function listen(srv: Server, ...args: [port: number, host: string] | [path: string]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    const done = (): void => {
      srv.off('error', reject);
      resolve();
    };
    if (args.length === 2) srv.listen(args[0], args[1], done);
    else srv.listen(args[0], done);
  });
}
