// Amounts as text and back: ISO 4217 minor units from Intl (ICU/CLDR), integer minor units in, no floats anywhere.
import { TesseraError } from './errors.js';

const KNOWN = new Set(Intl.supportedValuesOf('currency'));

/** True for a currency ICU knows (ISO 4217 codes in use: EUR, ISK, JOD, …); XXX and made-up codes are not. */
export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && KNOWN.has(code);
}

const EXPONENTS = new Map<string, number>();

/**
 * The currency's minor-unit exponent (EUR 2, ISK 0, JOD 3), from ICU so it follows ISO 4217 rather
 * than a table of our own. Throws API_BAD_REQUEST for a code that is not a currency.
 */
export function currencyExponent(currency: string): number {
  const code = currency.toUpperCase();
  let exp = EXPONENTS.get(code);
  if (exp === undefined) {
    if (!isCurrency(code)) throw new TesseraError('API_BAD_REQUEST', `"${currency}" is not an ISO 4217 currency code`);
    exp = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    EXPONENTS.set(code, exp);
  }
  return exp;
}

/** The exact decimal text of `minor` minor units ("-1234.56"), built from digits so nothing is rounded. */
export function decimalText(minor: number, exp: number): string {
  const neg = minor < 0;
  const digits = String(neg ? -minor : minor).padStart(exp + 1, '0');
  const whole = digits.slice(0, digits.length - exp);
  return `${neg ? '-' : ''}${whole}${exp > 0 ? '.' + digits.slice(digits.length - exp) : ''}`;
}

const FORMATS = new Map<string, Intl.NumberFormat>();

/**
 * `formatAmount(123456, 'EUR')` → "EUR 1,234.56"; `formatAmount(1000, 'ISK')` → "ISK 1,000";
 * `formatAmount(123456, 'EUR', 'fr')` → "1 234,56 EUR". The one formatter of the cashier's CLI, the
 * customer display and the receipt, so they cannot disagree. The code, not a symbol, names the
 * currency (unambiguous, and printable on every display). No-break spaces become plain spaces:
 * code pages and character displays have none.
 */
export function formatAmount(minor: number, currency: string, locale = 'en'): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount must be an integer number of minor units, got ${minor}`);
  const code = currency.toUpperCase();
  const exp = currencyExponent(code);
  const key = `${locale}/${code}`;
  let f = FORMATS.get(key);
  if (f === undefined) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency: code, currencyDisplay: 'code', minimumFractionDigits: exp, maximumFractionDigits: exp });
    FORMATS.set(key, f);
  }
  // A decimal string is formatted exactly (Intl.NumberFormat v3), even past 2^53 / 10^exp.
  return f.format(decimalText(minor, exp) as unknown as number).replace(/[\u00a0\u202f]/g, ' ');
}

/**
 * "4.50" / "4,50" (major units) → 450 minor units for EUR, "1000" → 1000 for ISK; undefined when the
 * text is not an amount or has more decimals than the currency (so "10.5" ISK is refused, not rounded).
 * `minor` takes the text as minor units already.
 */
export function parseAmount(text: string, currency: string, minor = false): number | undefined {
  if (minor) return /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : undefined;
  const digits = currencyExponent(currency);
  const m = /^(\d{1,13})(?:[.,](\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const frac = m[2] ?? '';
  if (frac.length > digits) return undefined;
  return Number(m[1]) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0');
}

/** formatAmount for text from outside (a purse's currency, a journal row): an unknown code shows minor units, never throws. */
export function amountText(minor: number, currency: string | null | undefined, locale = 'en'): string {
  return currency && isCurrency(currency) ? formatAmount(minor, currency, locale) : `${minor} ${currency ?? ''} (minor units)`.replace('  ', ' ');
}

const PEOPLE_FORMATS = new Map<string, Intl.NumberFormat>();

/**
 * Money for people on a screen of their own (the wallet, the dashboard): the currency's symbol in
 * the viewer's locale ("€2.30", "2,30 €"), with the same exponent and exact digits as formatAmount.
 * Terminals' displays and receipts use formatAmount (a code, printable everywhere).
 */
export function formatMoney(minor: number, currency: string, locale?: string): string {
  const code = currency.toUpperCase();
  const exp = currencyExponent(code);
  const key = `${locale ?? ''}/${code}`;
  let f = PEOPLE_FORMATS.get(key);
  if (f === undefined) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency: code, minimumFractionDigits: exp, maximumFractionDigits: exp });
    PEOPLE_FORMATS.set(key, f);
  }
  return f.format(decimalText(Math.trunc(minor), exp) as unknown as number);
}
