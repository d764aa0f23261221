// Money for people: integer minor units formatted with Intl, the currency's decimals taken from Intl (ISO 4217), never a table.

/** Digits after the decimal point for a currency (EUR 2, JPY 0, BHD 3), as Intl knows it. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(minor: number, currency: string, locale?: string): string {
  const d = minorDigits(currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: d, maximumFractionDigits: d }).format(minor / 10 ** d);
}

/** Parses what a person typed ("2.30", "2,30") into minor units; undefined when it is not an amount. */
export function parseMoney(text: string, currency: string): number | undefined {
  const d = minorDigits(currency);
  const m = /^\s*(\d{1,9})(?:[.,](\d+))?\s*$/.exec(text);
  if (!m || (m[2] ?? '').length > d) return undefined;
  return Number(m[1]) * 10 ** d + Number((m[2] ?? '').padEnd(d, '0') || '0');
}
