// The payment a journal row records, decoded from its signed record (declines keep the payment's own amount and currency only there).
import { decodeObject, type Payment } from '#protocol';
import type { JournalRow } from './store.js';

export function paymentOf(row: JournalRow): Payment | undefined {
  const rec = decodeObject('JOURNAL_RECORD', row.record);
  if (!rec.ok) return undefined;
  const pay = decodeObject('PAYMENT', rec.value.value.payment);
  return pay.ok ? pay.value.value : undefined;
}
