// `tessera void` and `tessera refund`: the register's adjustments of a journalled payment, over the control API.
import type { Command } from 'commander';
import { TesseraError, parseAmount } from '#common';
import type { ApiClient } from '../api/client.js';
import type { TransactionJson } from '../api/transactions.js';
import type { AdjustmentResult } from '../checkout/adjustments.js';
import { money } from './format.js';

export interface AdjustCommandHelpers {
  client(cmd: Command): ApiClient;
  print(cmd: Command, json: unknown, human: string): void;
  err(text: string): void;
}

/** One line for people: what was given back, of which payment, and what is left to refund. */
export function adjustmentLine(r: AdjustmentResult): string {
  const what = r.kind === 'void' ? 'Voided' : 'Refunded';
  const receipt = r.receipt.status === 'printed' ? 'receipt printed' : `receipt ${r.receipt.status}`;
  return `${what} ${money(r.amount, r.currency)} of ${r.originalTxId.slice(0, 16)} (#${r.journalIndex}, ${r.kind} ${r.txId.slice(0, 16)}); ${money(r.remaining, r.currency)} left to refund; ${receipt}`;
}

function report(h: AdjustCommandHelpers, cmd: Command, r: AdjustmentResult): void {
  h.print(cmd, r, adjustmentLine(r));
  // The money part is done and journalled: a receipt that did not print is a warning, not a failure.
  if (r.receipt.status === 'failed') h.err(`tessera: warning: receipt not printed: ${r.receipt.code ?? ''} ${r.receipt.message ?? ''}\n`);
}

export function registerAdjustCommands(program: Command, h: AdjustCommandHelpers): void {
  program
    .command('void')
    .description('void an approved payment the back office has not acknowledged yet: journals a signed void of the whole amount and prints its receipt (after a sync, refund it instead; an open request is cancelled with `tessera cancel`)')
    .argument('[tx]', 'transaction id of the payment (64 hex characters); default: the latest approved payment')
    .option('--reason <text>', "the register's reason (max 64 characters), kept in the signed record")
    .option('--reference <text>', "the register's reference (max 32 characters)")
    .action(async (txId: string | undefined, o: { reason?: string; reference?: string }, cmd: Command) => {
      const api = h.client(cmd);
      const body = { ...(o.reason !== undefined ? { reason: o.reason } : {}), ...(o.reference !== undefined ? { reference: o.reference } : {}) };
      const id = txId ?? (await api.call<{ transactions: TransactionJson[] }>('GET', '/v1/transactions?approved=true&limit=1')).transactions[0]?.txId;
      if (!id) throw new TesseraError('PAYMENT_NOT_FOUND', 'no approved payment in the journal yet');
      report(h, cmd, await api.call<AdjustmentResult>('POST', `/v1/transactions/${encodeURIComponent(id)}/void`, body));
    });

  program
    .command('refund')
    .description("refund part or all of an approved payment: journals a signed refund (AMOUNT in the payment's currency, major units) and prints its receipt; the back office pays it back to the customer")
    .argument('<tx>', 'transaction id of the payment (64 hex characters)')
    .argument('<amount>', 'amount to give back, e.g. 2.50 (or minor units with --minor)')
    .option('--minor', 'AMOUNT is in minor units (cents)')
    .option('--reason <text>', "the register's reason (max 64 characters), kept in the signed record")
    .option('--reference <text>', "the register's reference (max 32 characters)")
    .action(async (txId: string, amountText: string, o: { minor?: boolean; reason?: string; reference?: string }, cmd: Command) => {
      const api = h.client(cmd);
      if (!/^[0-9a-fA-F]{64}$/.test(txId)) throw new TesseraError('USAGE', 'transaction id must be 64 hex characters');
      // The amount is read in the payment's own currency (its decimals), so ask the journal for it first.
      const tx = await api.call<TransactionJson>('GET', `/v1/transactions/${txId}`);
      // A decline (no currency of its own) or an adjustment is refused as the daemon would refuse it.
      if (tx.kind !== 'payment' || tx.decision !== 'approved' || tx.currency === null) {
        throw new TesseraError('NOT_ADJUSTABLE', tx.kind !== 'payment' ? `${txId} is itself a ${tx.kind}` : `payment ${txId} was declined: it took no money`);
      }
      const currency = tx.currency;
      const amount = parseAmount(amountText, currency, o.minor);
      if (amount === undefined || amount < 1) throw new TesseraError('USAGE', `invalid amount "${amountText}" for ${currency}`);
      const body = { amount, currency, ...(o.reason !== undefined ? { reason: o.reason } : {}), ...(o.reference !== undefined ? { reference: o.reference } : {}) };
      report(h, cmd, await api.call<AdjustmentResult>('POST', `/v1/transactions/${txId}/refunds`, body));
    });
}
