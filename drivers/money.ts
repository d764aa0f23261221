// Amount formatting for receipts and screens: integer minor units to text, no floating point anywhere.

/** ISO 4217 minor-unit exponents; anything not listed is assumed to have 2. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = {
  EUR: 2, USD: 2, GBP: 2, CHF: 2, KES: 2, INR: 2, JPY: 0, KRW: 0, CNY: 2, SEK: 2, NOK: 2, DKK: 2, BHD: 3, KWD: 3,
};

export function currencyExponent(currency: string): number {
  return CURRENCY_EXPONENTS[currency.toUpperCase()] ?? 2;
}

/** `formatAmount(123456, 'EUR')` → "EUR 1,234.56"; `formatAmount(500, 'JPY')` → "JPY 500". */
export function formatAmount(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount must be an integer number of minor units, got ${minor}`);
  const exp = currencyExponent(currency);
  const neg = minor < 0;
  const digits = String(neg ? -minor : minor).padStart(exp + 1, '0');
  const whole = digits.slice(0, digits.length - exp);
  const frac = digits.slice(digits.length - exp);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency.toUpperCase()} ${neg ? '-' : ''}${grouped}${exp > 0 ? '.' + frac : ''}`;
}
