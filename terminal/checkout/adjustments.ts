// Voids and refunds at the register: checked against the journal, journalled as signed records, then a receipt is printed.
import { TesseraError, message, silentLogger, type Logger } from '#common';
import { fromHex, toHex, toQrText, type AdjustmentKind } from '#protocol';
import type { JournalRow, Store } from '../store/index.js';
import type { TrustedClock } from '../time.js';
import type { TerminalConfig } from '../config.js';
import type { PrintedReceipt } from './devices.js';
import type { TerminalIdentity } from './identity.js';
import type { ReceiptState } from './types.js';
import { decideAdjustment, type AdjustRequest } from './adjust-rules.js';

export interface AdjustmentsOptions {
  store: Store;
  trustedClock: TrustedClock;
  identity: TerminalIdentity;
  config: Pick<TerminalConfig, 'merchant' | 'locale'>;
  /** Prints on the checkout's printer (its outcome, never a throw). */
  print: (r: PrintedReceipt) => Promise<ReceiptState>;
  random: (n: number) => Uint8Array;
  log?: Logger;
}

export interface AdjustmentResult {
  /** The void's or refund's own transaction id. */
  txId: string;
  kind: AdjustmentKind;
  /** The payment it gives money back of. */
  originalTxId: string;
  amount: number;
  currency: string;
  journalIndex: number;
  time: string;
  reference: string | null;
  reason: string | null;
  /** Given back of the payment so far (this one included), and what may still be refunded. */
  adjusted: number;
  remaining: number;
  /** The signed journal record (TJ1:…), the QR code on the receipt. */
  qrText: string;
  receipt: ReceiptState;
}

export class Adjustments {
  private readonly log: Logger;

  constructor(private readonly o: AdjustmentsOptions) {
    this.log = o.log ?? silentLogger();
  }

  /** Takes a whole payment back before the back office acknowledged it. */
  void(txIdHex: string, opts: Omit<AdjustRequest, 'kind' | 'amount'> = {}): Promise<AdjustmentResult> {
    return this.adjust(txIdHex, { ...opts, kind: 'void' });
  }

  /** Gives back part or all of a payment, before or after the back office acknowledged it. */
  refund(txIdHex: string, opts: Omit<AdjustRequest, 'kind'>): Promise<AdjustmentResult> {
    return this.adjust(txIdHex, { ...opts, kind: 'refund' });
  }

  private async adjust(txIdHex: string, r: AdjustRequest): Promise<AdjustmentResult> {
    if (!/^[0-9a-f]{64}$/i.test(txIdHex)) throw new TesseraError('API_BAD_REQUEST', 'transaction id must be 64 hex characters');
    const txId = txIdHex.toLowerCase();
    const original = fromHex(txId);
    const store = this.o.store;
    const now = this.o.trustedClock.now();
    // A record's time is trusted time, like every decision's: it never goes below the journal's.
    if (now.ms === null) throw new TesseraError('TERMINAL_NOT_READY', 'the clock is not trusted: no void or refund can be dated');
    const timeMs = now.ms;
    const id = this.o.random(32);
    const row = await store.appendAdjustment(() => {
      const { amount, currency } = decideAdjustment(txId, { original: store.findByTxId(original), ackedUpTo: store.ackedUpTo(), adjusted: store.adjustedOf(original) }, r);
      return { kind: r.kind, original, txId: id, amount, currency, timeMs, reference: r.reference, note: r.note };
    });
    const paid = store.findApproved(original)?.amount ?? 0;
    const adjusted = store.adjustedOf(original).amount;
    const qrText = toQrText('JOURNAL_RECORD', row.record);
    this.log.info({ kind: r.kind, txId: toHex(row.txId), original: txId, amount: row.amount, idx: row.idx }, `${r.kind} journalled`);
    const receipt = this.o.config.merchant.printReceipts ? await this.o.print(this.receipt(row, r.kind, txId, qrText)) : { status: 'disabled' as const, qrText };
    return {
      txId: toHex(row.txId),
      kind: r.kind,
      originalTxId: txId,
      amount: row.amount,
      currency: row.currency ?? '',
      journalIndex: row.idx,
      time: new Date(row.timeMs).toISOString(),
      reference: row.reference,
      reason: r.note ?? null,
      adjusted,
      remaining: paid - adjusted,
      qrText,
      receipt,
    };
  }

  /** The printer's receipt model, titled VOID or REFUND, naming the payment; its QR is the signed record itself. */
  private receipt(row: JournalRow, kind: AdjustmentKind, original: string, qrText: string): PrintedReceipt {
    const id = this.o.identity;
    const m = this.o.config.merchant;
    const lang = this.o.config.locale.language;
    return {
      header: [...m.receiptHeader, message(lang, kind === 'void' ? 'voidTitle' : 'refundTitle')],
      merchantName: id.displayName,
      merchantLines: [`${id.merchantId} · ${id.terminalId}`, `${message(lang, 'originalTransaction')} ${original.slice(0, 16)}`],
      at: row.timeMs,
      timeZone: this.o.config.locale.timeZone,
      language: lang,
      amount: row.amount,
      currency: row.currency ?? '',
      transactionId: toHex(row.txId).slice(0, 16),
      ...(row.reference ? { reference: row.reference } : {}),
      qrText,
      footer: m.receiptFooter ?? [message(lang, 'thankYou')],
    };
  }
}
