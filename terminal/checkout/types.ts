// Shapes the checkout publishes: payment state for cash registers, decisions for status, logs and SSE.
import type { ReasonCode } from '#protocol';

/** `interrupted`: the daemon stopped while the request was open (nothing was charged for it; docs/api.md). */
export type PaymentStatus = 'pending' | 'approved' | 'cancelled' | 'expired' | 'interrupted';

export interface ReceiptState {
  status: 'printing' | 'printed' | 'failed' | 'disabled' | 'no-printer';
  code?: string;
  message?: string;
  /** The signed receipt (TR1:…), also when printing failed: a register can show or send it. */
  qrText?: string;
}

export interface PaymentState {
  /** Hex of the request nonce. */
  id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  reference?: string;
  createdAt: number;
  expiresAt: number;
  /** The signed payment request the wallet scans (TQ1:…). */
  requestQr: string;
  declines: number;
  lastDecline?: { reason: ReasonCode; detail: string; at: number; txId?: string };
  txId?: string;
  journalIndex?: number;
  approvedAt?: number;
  /** The purse's remaining offline balance after this payment (cap − cumulative). */
  remaining?: number;
  receipt?: ReceiptState;
}

export type DecisionOutcome = 'approved' | 'declined' | 'reread' | 'already-validated' | 'fleet-applied';

export interface Decision {
  outcome: DecisionOutcome;
  reason?: ReasonCode;
  detail?: string;
  txId?: string;
  journalIndex?: number;
  /** Whether the decision is in the journal (declines of unreadable codes are not). */
  journaled: boolean;
  amount?: number;
  currency?: string;
  remaining?: number;
  paymentId?: string;
  /** Scan received → committed and displayed. */
  latencyMs: number;
  at: number;
}

export interface CheckoutCounters {
  scans: number;
  approved: number;
  declined: number;
  unreadable: number;
  rereads: number;
  alreadyValidated: number;
  storageFailures: number;
}

export interface CheckoutEvents {
  decision: Decision;
  payment: PaymentState;
  ready: { ready: boolean; why?: string };
}
