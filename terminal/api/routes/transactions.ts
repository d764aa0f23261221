// The journal as the register reads it: list and search (reference, time range), one transaction, export.
import { z } from 'zod';
import { TesseraError } from '#common';
import { fromHex } from '#protocol';
import { route } from '../http.js';
import { txJson } from '../transactions.js';
import { writeExport } from '../export.js';
import { booleanText, instant, wholeNumber } from './query.js';

const ListQuery = z
  .strictObject({
    limit: wholeNumber(1, 1000).optional().describe('How many rows (1-1000, default 50).'),
    after: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional().describe('Rows after this journal index, oldest first (paging).'),
    approved: booleanText.optional().describe('true: approved payments only.'),
    order: z.enum(['asc', 'desc']).optional().describe('desc (default): newest first; asc: oldest first.'),
    reference: z.string().min(1).max(32).optional().describe('Only rows with exactly this register reference.'),
    from: instant.optional().describe('Only rows decided at or after this instant (epoch ms or ISO 8601 with offset).'),
    to: instant.optional().describe('Only rows decided before this instant (exclusive).'),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

export const transactionRoutes = [
  route({
    method: 'GET',
    path: '/v1/transactions',
    summary: 'Journal rows, newest first; filter by reference and by time range [from, to)',
    query: ListQuery,
    responses: { 200: '{ head, transactions }' },
    handle(ctx, { query: q }) {
      const limit = q.limit ?? 50;
      const after = q.after ?? 0;
      const filter = {
        approvedOnly: q.approved === true,
        ...(q.reference !== undefined ? { reference: q.reference } : {}),
        ...(q.from !== undefined ? { fromMs: q.from } : {}),
        ...(q.to !== undefined ? { toMs: q.to } : {}),
      };
      const descending = q.order !== 'asc' && after === 0;
      const rows = ctx.store.listRows({ ...filter, limit, ...(descending ? { descending: true } : { afterIdx: after }) });
      return { status: 200, body: { head: ctx.store.journalHead, transactions: rows.map(txJson) } };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/transactions/export',
    summary: 'Every journal row, oldest first, streamed as CSV or JSON lines',
    query: z.strictObject({ format: z.enum(['csv', 'jsonl']).optional().describe('jsonl (default) or csv.') }),
    produces: 'application/x-ndjson',
    responses: { 200: 'the rows (text/csv with format=csv)' },
    handle(ctx, { query, res }) {
      const format = query.format ?? 'jsonl';
      const store = ctx.store;
      res.writeHead(200, { 'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson', 'cache-control': 'no-store' });
      const src = { head: store.journalHead, page: (afterIdx: number, limit: number) => store.listRows({ afterIdx, limit }) };
      writeExport(res, format, src).catch((e: unknown) => {
        ctx.log.warn({ err: e }, 'export failed');
        res.destroy();
      });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/transactions/{id}',
    params: { id: /^(?:[0-9a-fA-F]{64}|\d+)$/ },
    summary: 'One journal row by transaction id (64 hex) or journal index',
    responses: { 200: 'the row' },
    handle(ctx, { params }) {
      const id = params.id as string;
      const row = /^\d+$/.test(id) ? ctx.store.getRow(Number(id)) : ctx.store.findByTxId(fromHex(id.toLowerCase()));
      if (!row) throw new TesseraError('PAYMENT_NOT_FOUND', `no transaction ${id}`);
      return { status: 200, body: txJson(row) };
    },
  }),
];
