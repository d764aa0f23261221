// The screens the checkout shows, the display interface, and the text each screen says on any display.
import { amountText, message, reasonText, type ErrorCode } from '#common';
import type { DeviceState } from '../events.js';

/** What the checkout shows; `lang` (config locale.language) picks the catalogue, English by default. */
export type Screen = (
  | { kind: 'idle'; title: string; subtitle?: string }
  | { kind: 'request'; amount: number /* minor units */; currency: string; merchantName: string; qrText: string }
  | { kind: 'processing' }
  | { kind: 'approved'; amount: number; currency: string; remaining?: number; message?: string }
  | { kind: 'declined'; reason: string /* human */; code: string /* reason code */ }
  | { kind: 'out-of-order'; why: string }
  | { kind: 'transit-ok'; fare: number; currency: string; remaining?: number }
  | { kind: 'transit-denied'; reason: string; code: string }
  | { kind: 'already-validated' }
) & { lang?: string };

export type ScreenKind = Screen['kind'];

export interface DisplayHandle {
  /**
   * Draws `screen`. Resolves once it is on the device; a device error is logged and reported on the
   * bus (never thrown), so a broken display cannot fail a payment.
   */
  show(screen: Screen): Promise<void>;
  /** The screen last shown. */
  current(): Screen | undefined;
  /** 'connected' once open and while writes succeed; the failure of the last write otherwise (no I/O). */
  status(): DisplayStatus;
  close(): Promise<void>;
}

export interface DisplayStatus {
  state: DeviceState;
  code?: ErrorCode;
  detail?: string;
}

/** A display with nothing that can fail after open (console, in-memory). */
export const DISPLAY_CONNECTED: DisplayStatus = { state: 'connected' };

export interface DisplayDriver {
  /** Opens the device and checks it is usable: DISPLAY_UNSUPPORTED / DISPLAY_OPEN_FAILED here, never later. */
  open(): Promise<DisplayHandle>;
}

export type Tone = 'neutral' | 'info' | 'busy' | 'good' | 'bad';

/** What a screen says, for any display: a headline, detail lines, a tone and an optional QR. */
export interface ScreenText {
  headline: string;
  lines: string[];
  tone: Tone;
  qrText?: string;
}

export function screenText(s: Screen): ScreenText {
  const lang = s.lang;
  const t = (key: Parameters<typeof message>[1], vars?: Record<string, string>): string => message(lang, key, vars);
  // A screen must never throw: an amount in an unknown currency still shows, in minor units.
  const money = (minor: number, currency: string): string => amountText(minor, currency, lang);
  switch (s.kind) {
    case 'idle':
      return { headline: s.title, lines: s.subtitle ? [s.subtitle] : [], tone: 'neutral' };
    case 'request':
      return { headline: money(s.amount, s.currency), lines: [s.merchantName, t('scanToPay')], tone: 'info', qrText: s.qrText };
    case 'processing':
      return { headline: t('processing'), lines: [t('pleaseWait')], tone: 'busy' };
    case 'approved':
      return {
        headline: t('approved'),
        lines: [money(s.amount, s.currency), ...(s.remaining !== undefined ? [t('left', { amount: money(s.remaining, s.currency) })] : []), ...(s.message ? [s.message] : [])],
        tone: 'good',
      };
    case 'declined':
      return { headline: t('declined'), lines: [reasonText(lang, s.code, s.reason), s.code], tone: 'bad' };
    case 'out-of-order':
      return { headline: t('outOfOrder'), lines: [s.why], tone: 'bad' };
    case 'transit-ok':
      return {
        headline: t('go'),
        lines: [t('fare', { amount: money(s.fare, s.currency) }), ...(s.remaining !== undefined ? [t('left', { amount: money(s.remaining, s.currency) })] : [])],
        tone: 'good',
      };
    case 'transit-denied':
      return { headline: t('stop'), lines: [reasonText(lang, s.code, s.reason), s.code], tone: 'bad' };
    case 'already-validated':
      return { headline: t('alreadyValidated'), lines: [t('goodTrip')], tone: 'busy' };
  }
}

/** Text reduced to what a character display can show: printable ASCII, accented letters as their base letter (é → e), others as '?'. */
export function asciiOnly(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?');
}
