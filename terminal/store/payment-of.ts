// The payment a journal row records, decoded from its signed record (declines keep the payment's own amount and currency only there).
import { decodeObject, type Payment } from '#protocol';
import type { JournalRow } from './store.js';

export function paymentOf(row: JournalRow): Payment | undefined {
  const rec = decodeObject('JOURNAL_RECORD', row.record);
  const payment = rec.ok ? rec.value.value.payment : undefined;
  if (!payment) return undefined; // unreadable, or a void or refund (it carries no payment)
  const pay = decodeObject('PAYMENT', payment);
  return pay.ok ? pay.value.value : undefined;
}
