// List paging for operator queries: a bounded limit and an opaque keyset cursor (the API's ?limit= and ?cursor=).
import { TesseraError } from '#common';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export interface PageInput {
  limit?: number | undefined;
  cursor?: string | null | undefined;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new TesseraError('USAGE', `limit must be 1..${MAX_LIMIT}, got ${limit}`);
  return limit;
}

/** The sort key of the last item of a page, opaque to callers. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor into a key of the given shape ('s' string, 'n' integer); anything else is refused. */
export function decodeCursor(cursor: string, shape: readonly ('s' | 'n')[]): (string | number)[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const ok = Array.isArray(key) && key.length === shape.length && shape.every((t, i) => (t === 's' ? typeof key[i] === 'string' : Number.isSafeInteger(key[i])));
  if (!ok) throw new TesseraError('USAGE', 'invalid cursor (pass back the nextCursor of the previous page)');
  return key as (string | number)[];
}

/** Fetch limit + 1 rows: the extra one says whether a next page exists. */
export function toPage<R, T>(rows: R[], limit: number, view: (r: R) => T, key: (r: R) => (string | number)[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(view), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(key(last)) : null };
}
