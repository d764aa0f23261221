// Why the wallet refused to sign, in words for the customer: every bad input maps to one clear screen.
import { isTesseraError } from '../../../common/errors.js';
import type { PurseRefusal } from '../../core.js';

export type ProblemKind =
  | 'not-tessera'
  | 'uncertified'
  | 'expired-request'
  | 'over-limit'
  | 'over-available'
  | 'purse-revoked'
  | 'purse-expired'
  | 'wrong-currency'
  | 'no-purse'
  | 'camera'
  | 'busy'
  | 'other';

export interface Problem {
  kind: ProblemKind;
  title: string;
  detail: string;
}

const TITLES: Record<ProblemKind, string> = {
  'not-tessera': 'Not a Tessera payment request',
  uncertified: 'Terminal not certified',
  'expired-request': 'This request has expired',
  'over-limit': 'Over your per-payment limit',
  'over-available': 'Not enough left in your purse',
  'purse-revoked': 'Your purse was revoked',
  'purse-expired': 'Your purse has expired',
  'wrong-currency': 'Wrong currency',
  'no-purse': 'No purse yet',
  camera: 'No camera',
  busy: 'Another payment was in progress',
  other: 'Cannot pay',
};

export function problem(kind: ProblemKind, detail: string): Problem {
  return { kind, title: TITLES[kind], detail };
}

const REQUEST_PREFIX = 'TQ1:';
// Reasons of docs/protocol.md §7 that mean the request's terminal is not vouched for by the issuer.
const UNCERTIFIED = new Set(['UNKNOWN_KEY', 'BAD_SIGNATURE', 'CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'REVOKED', 'WRONG_PAYEE', 'CLOCK_UNTRUSTED']);
const REFUSAL_KIND: Record<PurseRefusal['reason'], ProblemKind> = {
  revoked: 'purse-revoked',
  expired: 'purse-expired',
  'over-limit': 'over-limit',
  'over-available': 'over-available',
  currency: 'wrong-currency',
};

/** What scanned or pasted text is, before any verification: only payment requests go further. */
export function precheck(text: string): Problem | undefined {
  const t = text.trim();
  if (t.startsWith(REQUEST_PREFIX)) return undefined;
  return problem('not-tessera', /^T[A-Z]1:/.test(t) ? 'This is a Tessera code, but not a terminal’s payment request.' : 'This QR code is not from a Tessera terminal. Nothing was signed.');
}

/** Maps what checking or paying threw to a screen. */
export function explain(e: unknown): Problem {
  if (isTesseraError(e, 'VERIFICATION_FAILED')) {
    const reason = String(e.details?.reason ?? '');
    if (reason === 'WRONG_REQUEST') return problem('expired-request', 'Ask the cashier to show the amount again. Nothing was signed.');
    if (UNCERTIFIED.has(reason)) return problem('uncertified', `The issuer does not vouch for this terminal (${reason}). Do not pay it. Nothing was signed.`);
    return problem('not-tessera', `${e.message}. Nothing was signed.`);
  }
  if (isTesseraError(e, 'INSUFFICIENT_FUNDS')) {
    const refusals = (e.details?.refusals ?? []) as PurseRefusal[];
    const first = refusals[0];
    return problem(first ? REFUSAL_KIND[first.reason] : 'other', `${e.message}. Nothing was signed.`);
  }
  if (isTesseraError(e, 'NOT_FOUND')) return problem('no-purse', 'Sign in and get a purse first. Nothing was signed.');
  if (isTesseraError(e, 'PAYMENT_BUSY')) return problem('busy', 'Another window paid from this purse at the same moment. Scan the request again.');
  return problem('other', e instanceof Error ? e.message : String(e));
}
