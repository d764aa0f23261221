// Voids and refunds at the register: checked against the journal, journalled as signed records, then a receipt is printed.
import { TesseraError, message, silentLogger, type Logger } from '#common';
import { ADJUSTMENT, fromHex, sha256, toHex, toQrText, utf8, type AdjustmentKind } from '#protocol';
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
  /** True when this answers a retry under the same Idempotency-Key: nothing was journalled or printed again. */
  replayed?: boolean;
}

/**
 * A register that retries after a lost answer sends the same Idempotency-Key, so the adjustment's own
 * id is derived from the key: the journal itself then remembers the first answer, across restarts.
 */
export function adjustmentIdFor(key: string): Uint8Array {
  return sha256(utf8(`tessera/adjustment-key:${key}`));
}

export class Adjustments {
  private readonly log: Logger;

  constructor(private readonly o: AdjustmentsOptions) {
    this.log = o.log ?? silentLogger();
  }

  /** Takes a whole payment back before the back office acknowledged it. */
  void(txIdHex: string, opts: Omit<AdjustRequest, 'kind' | 'amount'> = {}, idempotencyKey?: string): Promise<AdjustmentResult> {
    return this.adjust(txIdHex, { ...opts, kind: 'void' }, idempotencyKey);
  }

  /** Gives back part or all of a payment, before or after the back office acknowledged it. */
  refund(txIdHex: string, opts: Omit<AdjustRequest, 'kind'>, idempotencyKey?: string): Promise<AdjustmentResult> {
    return this.adjust(txIdHex, { ...opts, kind: 'refund' }, idempotencyKey);
  }

  private async adjust(txIdHex: string, r: AdjustRequest, idempotencyKey?: string): Promise<AdjustmentResult> {
    if (!/^[0-9a-f]{64}$/i.test(txIdHex)) throw new TesseraError('API_BAD_REQUEST', 'transaction id must be 64 hex characters');
    const txId = txIdHex.toLowerCase();
    const original = fromHex(txId);
    const store = this.o.store;
    const now = this.o.trustedClock.now();
    // A record's time is trusted time, like every decision's: it never goes below the journal's.
    if (now.ms === null) throw new TesseraError('TERMINAL_NOT_READY', 'the clock is not trusted: no void or refund can be dated');
    const timeMs = now.ms;
    const id = idempotencyKey === undefined ? this.o.random(32) : adjustmentIdFor(idempotencyKey);
    if (idempotencyKey !== undefined) {
      const prior = store.findByTxId(id);
      if (prior) return this.replay(prior, txId, r);
    }
    const row = await store.appendAdjustment(() => {
      // Two concurrent requests under one key: the second finds the first's record here, in the append queue.
      if (idempotencyKey !== undefined && store.findByTxId(id)) throw new TesseraError('PAYMENT_BUSY', 'a void or refund under this Idempotency-Key is being journalled; retry for its answer');
      const { amount, currency } = decideAdjustment(txId, { original: store.findByTxId(original), ackedUpTo: store.ackedUpTo(), adjusted: store.adjustedOf(original) }, r);
      return { kind: r.kind, original, txId: id, amount, currency, timeMs, reference: r.reference, note: r.note };
    });
    const qrText = toQrText('JOURNAL_RECORD', row.record);
    this.log.info({ kind: r.kind, txId: toHex(row.txId), original: txId, amount: row.amount, idx: row.idx }, `${r.kind} journalled`);
    const receipt = this.o.config.merchant.printReceipts ? await this.o.print(this.receipt(row, r.kind, txId, qrText)) : { status: 'disabled' as const, qrText };
    return this.result(row, r, txId, qrText, receipt);
  }

  /** The first answer again, when the retry asks for the same thing; another request under a used key is refused. */
  private replay(prior: JournalRow, txId: string, r: AdjustRequest): AdjustmentResult {
    const same =
      prior.adjustment !== null &&
      prior.original !== null &&
      toHex(prior.original) === txId &&
      prior.adjustment === ADJUSTMENT[r.kind] &&
      (r.kind === 'void' || prior.amount === r.amount) &&
      prior.reference === (r.reference ?? null);
    if (!same) throw new TesseraError('API_IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was used for another void or refund');
    const qrText = toQrText('JOURNAL_RECORD', prior.record);
    return { ...this.result(prior, r, txId, qrText, { status: 'disabled', message: 'not printed again for a retried request', qrText }), replayed: true };
  }

  /** The answer for a journalled void or refund `row` of payment `txId`, with what is given back of it so far. */
  private result(row: JournalRow, r: AdjustRequest, txId: string, qrText: string, receipt: ReceiptState): AdjustmentResult {
    const store = this.o.store;
    const original = fromHex(txId);
    const paid = store.findApproved(original)?.amount ?? 0;
    const adjusted = store.adjustedOf(original).amount;
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
