// The control API's event stream (SSE): decisions carry their journal index as event id, and a register resumes with Last-Event-ID.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TesseraError } from '#common';
import { reasonFromNumber, toHex } from '#protocol';
import type { Checkout } from '../checkout/checkout.js';
import type { Decision } from '../checkout/types.js';
import type { JournalRow, Store } from '../store/index.js';
import { requestIdOf } from './outcomes.js';

/** Journaled decisions replayed per connection; a register further behind reconnects for the next page. */
export const REPLAY_PAGE = 500;

/** A journaled decision as the stream sent it live (outcome, reason, amount, payment id), marked replayed. */
export function decisionFromRow(row: JournalRow): Decision & { replayed: true } {
  const approved = row.decision === 0;
  const paymentId = requestIdOf(row);
  const reason = approved ? undefined : reasonFromNumber(row.reason);
  return {
    outcome: approved ? 'approved' : 'declined',
    ...(reason ? { reason } : {}),
    txId: toHex(row.txId),
    journalIndex: row.idx,
    journaled: true,
    amount: row.amount,
    ...(row.currency !== null ? { currency: row.currency } : {}),
    ...(paymentId ? { paymentId } : {}),
    latencyMs: row.latencyUs === null ? 0 : row.latencyUs / 1000,
    at: row.timeMs,
    replayed: true,
  };
}

/** Where a resuming register left off: the Last-Event-ID header (what EventSource sends), or ?lastEventId= for clients that cannot set headers. */
export function lastEventId(req: IncomingMessage, url: URL): number | undefined {
  const raw = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined;
  if (raw === undefined || raw === '') return undefined;
  const v = String(raw);
  if (!/^\d{1,15}$/.test(v)) throw new TesseraError('API_BAD_REQUEST', `Last-Event-ID must be a journal index (digits), not ${JSON.stringify(v.slice(0, 40))}`);
  return Number(v);
}

export interface EventStreamDeps {
  checkout: Checkout;
  store: Store;
  status: () => unknown;
  track: (res: ServerResponse) => () => void;
}

/**
 * Serves one stream. A journaled decision goes out as `id: <journal index>`; other events carry no
 * id, so the id a client keeps is always the last journaled decision it received. With a
 * Last-Event-ID, every journaled decision after it is replayed from the journal first (the journal
 * survives restarts, so do the ids), then the live ones follow; a live decision the replay already
 * sent (committed before the stream opened, announced after) is not sent twice.
 */
export function serveEvents(req: IncomingMessage, res: ServerResponse, url: URL, d: EventStreamDeps): void {
  const resumeFrom = lastEventId(req, url);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const send = (event: string, data: unknown, id?: number): void => {
    res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  // Without a resume point every live decision is sent, as before ids existed.
  let sentUpTo = resumeFrom ?? 0;
  send('status', d.status());
  // Replay and subscribe in one synchronous run: no decision can be announced in between.
  if (resumeFrom !== undefined) {
    const rows = d.store.listRows({ afterIdx: sentUpTo, limit: REPLAY_PAGE });
    for (const row of rows) send('decision', decisionFromRow(row), row.idx);
    if (rows.length > 0) sentUpTo = (rows[rows.length - 1] as JournalRow).idx;
    if (sentUpTo < d.store.journalHead) {
      // More than a page behind: end this stream after one page (bounded memory, however long the
      // register was away); it reconnects at once with the last id and gets the next page.
      res.end('retry: 100\n\n');
      return;
    }
  }
  const onDecision = (dec: Decision): void => {
    if (dec.journalIndex === undefined || !dec.journaled) return send('decision', dec);
    if (dec.journalIndex <= sentUpTo) return;
    sentUpTo = dec.journalIndex;
    send('decision', dec, dec.journalIndex);
  };
  const bus = d.checkout.bus;
  const offs = [bus.on('decision', onDecision), bus.on('payment', (p) => send('payment', p)), bus.on('ready', (r) => send('ready', r))];
  const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  beat.unref();
  const untrack = d.track(res);
  const done = (): void => {
    clearInterval(beat);
    for (const off of offs) off();
    untrack();
  };
  req.once('close', done);
  res.once('close', done);
}
