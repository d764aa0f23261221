// The journal export as a stream: pages of rows written as the client reads them (backpressure), the event loop free between pages.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { JournalRow } from '../store/index.js';
import { csvHeader, csvLine, jsonLine, txJson } from './transactions.js';

/** Rows per page: one indexed range read, a few hundred KiB of text at most. */
export const EXPORT_PAGE_ROWS = 500;

export interface ExportSource {
  /** The journal head when the export starts: rows after it are not part of this export. */
  head: number;
  /** Up to `limit` rows with idx > `afterIdx`, in order. */
  page(afterIdx: number, limit: number): JournalRow[];
}

/**
 * Writes rows 1…head as CSV or JSON lines. A page is read only when the client has taken the last
 * one (write() returned true, or 'drain'), so a slow reader holds at most a page and the socket's
 * buffer in memory; after each page the loop runs other work (decisions) before the next read. The
 * journal is append-only, so rows up to the starting head are a consistent snapshot.
 */
export async function writeExport(out: Writable, format: 'csv' | 'jsonl', src: ExportSource): Promise<void> {
  if (format === 'csv' && !out.write(csvHeader())) await drained(out);
  let after = 0;
  while (after < src.head && !out.destroyed) {
    const rows = src.page(after, Math.min(EXPORT_PAGE_ROWS, src.head - after));
    if (rows.length === 0) break;
    let chunk = '';
    for (const row of rows) chunk += format === 'csv' ? csvLine(txJson(row)) : jsonLine(txJson(row));
    after = (rows.at(-1) as JournalRow).idx;
    if (!out.write(chunk)) await drained(out);
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!out.destroyed) out.end();
}

/** Until the writable takes more, or is gone (client hung up). */
async function drained(out: Writable): Promise<void> {
  if (out.destroyed) return;
  await Promise.race([once(out, 'drain'), once(out, 'close')]);
}
