// Fare lookup for transit validators: flat or by zone and time band, from the signed terminal config.
import type { TerminalConfigBody } from './objects.js';

/** Minutes after local midnight at `nowSeconds` for a fixed UTC offset. */
export function localMinute(nowSeconds: number, utcOffsetMinutes: number): number {
  const m = Math.floor(nowSeconds / 60) + utcOffsetMinutes;
  return ((m % 1440) + 1440) % 1440;
}

/**
 * The fare at `nowSeconds`: the first rule whose zone is 0 (any) or this terminal's zone and whose
 * band [fromMinute, toMinute) holds the local time. A flat fare is one rule {zone 0, 0..1440}.
 */
export function fareFor(config: TerminalConfigBody, nowSeconds: number): number | undefined {
  const minute = localMinute(nowSeconds, config.utcOffsetMinutes);
  for (const r of config.fares) {
    if (r.zone !== 0 && r.zone !== config.zone) continue;
    if (minute >= r.fromMinute && minute < r.toMinute) return r.fare;
  }
  return undefined;
}
