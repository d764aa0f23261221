// Money in the currency's own minor units (exponent from Intl, not a table) and times in the viewer's time zone.
import type { Amount } from './api/types.js';
import { currencyExponent, decimalText, formatMoney, parseAmount } from '../../common/money.js';

/** ISO 4217 minor-unit exponent as Intl knows it (EUR 2, JPY 0, BHD 3): the one in common/money.ts. */
export const minorUnits = currencyExponent;
/** Minor units → "12.34" (no symbol, no grouping): exact, for files (CSV). */
export const decimal = (minor: number, exponent: number): string => decimalText(minor, exponent);

/** The minor units and currency of an API amount (a {amount, currency} or a bare integer beside a currency). */
export function split(a: Amount, currency = 'EUR'): { minor: number; currency: string } | undefined {
  if (a === null || a === undefined) return undefined;
  if (typeof a === 'number') return Number.isFinite(a) ? { minor: a, currency } : undefined;
  return { minor: a.amount, currency: a.currency };
}

/** Minor units (of an API amount) → "€3.40" in the viewer's locale, exact (common/money.ts formatMoney). */
export function money(value: Amount, fallbackCurrency = 'EUR'): string {
  const s = split(value, fallbackCurrency);
  return s ? formatMoney(s.minor, s.currency) : '—';
}

/** Parses what a person typed ("12.50") into integer minor units, or undefined when it is not an amount in that currency. */
export function parseMoney(text: string, currency = 'EUR'): number | undefined {
  const n = parseAmount(text, currency);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dayFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** Unix seconds → date and time in the viewer's time zone. */
export function time(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  return timeFmt.format(new Date(seconds * 1000));
}

export function day(seconds: number): string {
  return dayFmt.format(new Date(seconds * 1000));
}

/** "5 min ago" style age, for last-seen columns. */
export function ago(seconds: number | null | undefined, now = Date.now() / 1000): string {
  if (seconds === null || seconds === undefined) return 'never';
  const d = Math.max(0, Math.round(now - seconds));
  if (d < 60) return `${d} s ago`;
  if (d < 3600) return `${Math.round(d / 60)} min ago`;
  if (d < 86_400) return `${Math.round(d / 3600)} h ago`;
  return `${Math.round(d / 86_400)} days ago`;
}

/** The viewer's local date as YYYY-MM-DD (statements are asked for by day). */
export function localDate(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Start of the viewer's local day, in Unix seconds. */
export function startOfDay(d = new Date()): number {
  return Math.floor(new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() / 1000);
}

export const short = (id: string | null | undefined, n = 10): string => (!id ? '—' : id.length > n + 1 ? `${id.slice(0, n)}…` : id);

/** An API amount as the exact decimal a CSV file carries ("3.40"; the currency goes in its own column). */
export const csvDecimal = (m: { amount: number; currency: string }): string => decimal(m.amount, minorUnits(m.currency));
