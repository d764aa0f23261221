// Money for the wallet's people: the one formatter and parser of common/money.ts (exponents from Intl, exact digits).
import { currencyExponent, formatMoney, parseAmount } from '../common/money.js';

export { formatMoney };

/** Digits after the decimal point for a currency (EUR 2, JPY 0, BHD 3), as Intl knows it. */
export const minorDigits = currencyExponent;

/** Parses what a person typed ("2.30", "2,30") into minor units; undefined when it is not an amount. */
export function parseMoney(text: string, currency: string): number | undefined {
  return parseAmount(text, currency);
}
