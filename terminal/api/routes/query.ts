// Query-string value schemas shared by the routes: whole numbers, booleans and instants arrive as text.
import { z } from 'zod';

/** A whole number in [min, max], written in decimal. */
export function wholeNumber(min: number, max: number): z.ZodType<number, string> {
  return z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

export const booleanText = z.enum(['true', 'false']).transform((v) => v === 'true');

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An instant as registers write one: epoch milliseconds, or ISO 8601 date-time with its offset
 * ("2026-12-05T09:00:00Z", "2026-12-05T10:00:00+01:00"). A time without an offset would be read in some
 * zone the caller did not choose, so it is refused; so is a calendar date that does not exist.
 */
export function parseInstant(text: string): number | undefined {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || Number(m[6] ?? 0) > 59) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export const instant = z
  .string()
  .refine((v) => parseInstant(v) !== undefined, 'must be epoch milliseconds or ISO 8601 with an offset, e.g. 2026-12-05T09:00:00Z')
  .transform((v) => parseInstant(v) as number)
  .describe('Epoch milliseconds or an ISO 8601 date-time with its offset (Z or ±hh:mm).');
