// A calendar day in an IANA time zone as a half-open range of Unix seconds (DST days are 23 or 25 hours long).
import { TesseraError } from './errors.js';

/** Seconds the zone's wall clock is ahead of UTC at `utc` (Unix seconds). */
function offsetAt(utc: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const part = (parts: Intl.DateTimeFormatPart[], type: string) => Number(parts.find((p) => p.type === type)?.value);
  const p = f.formatToParts(new Date(utc * 1000));
  return Date.UTC(part(p, 'year'), part(p, 'month') - 1, part(p, 'day'), part(p, 'hour'), part(p, 'minute'), part(p, 'second')) / 1000 - utc;
}

/** The instant the zone's clock reads 00:00 on y-m-d (two passes settle a DST change between the guess and the answer). */
function midnight(y: number, m: number, d: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d) / 1000;
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

export interface DayRange {
  date: string;
  timeZone: string;
  /** Inclusive start and exclusive end, Unix seconds. */
  from: number;
  to: number;
}

export function dayRange(date: string, timeZone = 'UTC'): DayRange {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [NaN, NaN, NaN];
  const valid = m !== null && new Date(Date.UTC(y, mo - 1, d)).toISOString().startsWith(date);
  if (!valid) throw new TesseraError('USAGE', `date must be a calendar day YYYY-MM-DD, got ${JSON.stringify(date)}`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new TesseraError('USAGE', `unknown time zone ${JSON.stringify(timeZone)} (an IANA name such as Europe/Paris)`);
  }
  const next = new Date(Date.UTC(y, mo - 1, d + 1));
  return { date, timeZone, from: midnight(y, mo, d, timeZone), to: midnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone) };
}

/** The calendar day (YYYY-MM-DD) the zone's clock shows at `ms`. */
export function localDate(ms: number, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}
