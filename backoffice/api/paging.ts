// Cursor paging for every list: ?limit= (default 50, max 500) and an opaque ?cursor= → { items, nextCursor }.
import { z } from 'zod';
import { TesseraError } from '#common';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** The paging part of a list's query string (spread into its zod querystring schema). */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT).describe(`page size (1-${MAX_LIMIT})`),
  cursor: z.string().max(512).optional().describe('opaque: the nextCursor of the previous page'),
};

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export type Key = string | number | readonly (string | number)[];

/** Opaque to clients: the sort key of the last item returned, base64url JSON. */
export const encodeCursor = (k: Key): string => Buffer.from(JSON.stringify(k)).toString('base64url');

export function decodeCursor(c: string): Key {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    const scalar = (x: unknown): x is string | number => typeof x === 'string' || typeof x === 'number';
    if (scalar(v) || (Array.isArray(v) && v.every(scalar))) return v as Key;
  } catch {
    // falls through to the refusal below
  }
  throw new TesseraError('API_BAD_REQUEST', 'cursor is not one this API returned');
}

function compare(a: Key, b: Key): number {
  const xs = Array.isArray(a) ? a : [a];
  const ys = Array.isArray(b) ? b : [b];
  for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
    const x = xs[i];
    const y = ys[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/**
 * One page of an in-memory list, in ascending key order, starting after the cursor's key. Keys must
 * be unique (add the id as the last part of a compound key), so no item is skipped or repeated.
 */
export function paginate<T>(items: readonly T[], keyOf: (t: T) => Key, q: { limit: number; cursor?: string | undefined }): { items: T[]; nextCursor: string | null } {
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const sorted = [...items].sort((a, b) => compare(keyOf(a), keyOf(b)));
  const rest = after === undefined ? sorted : sorted.filter((t) => compare(keyOf(t), after) > 0);
  const page = rest.slice(0, q.limit);
  const last = page[page.length - 1];
  return { items: page, nextCursor: rest.length > q.limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
