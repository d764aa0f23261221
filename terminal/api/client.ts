// A small client of the control API (Unix socket or TCP + token), used by the CLI and by tests.
import { request, type IncomingMessage } from 'node:http';
import { ERROR_CODES, TesseraError, type ErrorCode } from '#common';

export type ApiTarget = { socketPath: string } | { host: string; port: number; token: string };

export interface SseEvent {
  event: string;
  data: unknown;
}

function unreachable(target: ApiTarget, e: Error): TesseraError {
  const where = 'socketPath' in target ? target.socketPath : `${target.host}:${target.port}`;
  return new TesseraError('DAEMON_UNREACHABLE', `cannot reach the tessera daemon at ${where} (${(e as { code?: string }).code ?? e.message}); is it running?`, { cause: e });
}

export class ApiClient {
  constructor(
    readonly target: ApiTarget,
    private readonly timeoutMs = 30_000,
  ) {}

  private open(method: string, path: string, body?: unknown): Promise<IncomingMessage> {
    const t = this.target;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          method,
          path,
          ...('socketPath' in t ? { socketPath: t.socketPath } : { host: t.host, port: t.port }),
          headers: {
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            ...('token' in t ? { authorization: `Bearer ${t.token}` } : {}),
          },
          timeout: this.timeoutMs,
          // One connection per call: Node's default agent keeps sockets alive, and a socket kept from a
          // daemon that since restarted fails the next call with EPIPE.
          agent: false,
        },
        resolve,
      );
      req.once('timeout', () => req.destroy(new TesseraError('DAEMON_UNREACHABLE', `the daemon did not answer within ${this.timeoutMs} ms`)));
      req.once('error', (e) => reject(e instanceof TesseraError ? e : unreachable(t, e)));
      req.end(payload);
    });
  }

  private static async text(res: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8');
  }

  private static fail(status: number, text: string): TesseraError {
    try {
      const j = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
      const code = (ERROR_CODES as readonly string[]).includes(j.error?.code ?? '') ? (j.error!.code as ErrorCode) : 'INTERNAL';
      // `answer`: what the daemon said beyond the message (e.g. a failed reprint's receipt and printer state).
      return new TesseraError(code, j.error?.message ?? `HTTP ${status}`, { details: { status, ...(j.error?.details !== undefined ? { answer: j.error.details } : {}) } });
    } catch {
      return new TesseraError('INTERNAL', `HTTP ${status}: ${text.slice(0, 200)}`, { details: { status } });
    }
  }

  /** A JSON request; non-2xx answers become the TesseraError the daemon sent. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.open(method, path, body);
    const text = await ApiClient.text(res);
    const status = res.statusCode ?? 0;
    if (status === 422) return JSON.parse(text) as T; // a verification answer (e.g. fleet ROLLBACK), not a transport error
    if (status < 200 || status >= 300) throw ApiClient.fail(status, text);
    return JSON.parse(text) as T;
  }

  /** A streamed response (exports), chunk by chunk into `write`; a promise from `write` holds the next chunk (backpressure). */
  async stream(path: string, write: (chunk: Buffer) => unknown): Promise<void> {
    const res = await this.open('GET', path);
    if ((res.statusCode ?? 0) >= 300) throw ApiClient.fail(res.statusCode ?? 0, await ApiClient.text(res));
    for await (const c of res as AsyncIterable<Buffer>) await write(c);
  }

  /** Server-sent events until `onEvent` returns true or `signal` aborts. */
  async events(onEvent: (e: SseEvent) => boolean | void, signal?: AbortSignal): Promise<void> {
    const res = await this.open('GET', '/v1/events');
    if ((res.statusCode ?? 0) >= 300) throw ApiClient.fail(res.statusCode ?? 0, await ApiClient.text(res));
    let buf = '';
    const abort = (): void => {
      res.destroy();
    };
    signal?.addEventListener('abort', abort, { once: true });
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        buf += chunk.toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (!data) continue;
          if (onEvent({ event, data: JSON.parse(data) })) {
            res.destroy();
            return;
          }
        }
      }
    } catch (e) {
      if (!signal?.aborted) throw e;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }
}
