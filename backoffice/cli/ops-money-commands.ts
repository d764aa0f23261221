// The operator commands that move money or change the deny list: fraud resolve, purse close and undeny, refund.
import { userInfo } from 'node:os';
import { Option, type Command } from 'commander';
import type { BackOffice } from '../backoffice.js';
import { FRAUD_OUTCOMES, closePurse, refundPayment, resolveFraudCase, undenyPurse, type FraudOutcome } from '../ops/index.js';
import type { CliHelpers } from './trust-commands.js';
import { amount, formatCase } from './ops-format.js';

export interface OpsCliHelpers<G> extends CliHelpers<G> {
  /** Signs a new deny list and publishes it when the command was given --broker; its version, or undefined when not asked. */
  publishDenylist(bo: BackOffice, o: { broker?: string; ca?: string; cert?: string; key?: string }): Promise<number | undefined>;
}

/** Who does it, kept with every resolution, closure, removal and refund. */
const actorOption = () => new Option('--actor <name>', 'who does this (kept with the record)').default(`cli:${userInfo().username}`);

const published = (version: number | undefined) => (version !== undefined ? `deny list version ${version} published` : 'publish a new deny list: --broker now, or a running clearing service at its next refresh (publish-denylist)');

export function addMoneyCommands<G extends { json?: boolean }>(program: Command, purse: Command, fraud: Command, h: OpsCliHelpers<G>): void {
  fraud
    .command('resolve')
    .description(
      "Resolve a fraud case once: the merchant whose terminal accepted the payment is paid its amount, from the operator's fraud-loss account (pay-merchant) or charged to the purse's customer account (charge-back). Running it again with the same outcome changes nothing; another outcome is refused.",
    )
    .argument('<case>', 'case id')
    .addOption(new Option('--outcome <outcome>', 'who bears it').choices([...FRAUD_OUTCOMES]).makeOptionMandatory())
    .requiredOption('--reason <text>', 'why (kept with the transfer)')
    .addOption(actorOption())
    .action(async (id: string, o: { outcome: FraudOutcome; reason: string; actor: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const r = await resolveFraudCase(bo.ledger, { caseId: id, outcome: o.outcome, reason: o.reason, actor: o.actor, now: bo.now() });
        h.print(g, r, `${r.created ? 'resolved' : 'already resolved'}: ${formatCase(r.case)}`);
      });
    });

  purse
    .command('close')
    .description(
      'Close a purse before it expires: put it on the deny list (terminals refuse it once they have the new list) and return its reservation to its account. Payments terminals accepted offline before they had the list are recorded, not settled. Idempotent.',
    )
    .argument('<purse>', 'purse id')
    .requiredOption('--reason <text>', 'why (kept with the closure)')
    .addOption(actorOption())
    .option('--broker <url>', 'publish the new deny list to this broker now')
    .action(async (id: string, o: { reason: string; actor: string; broker?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const r = await closePurse(bo.ledger, { purseId: id, reason: o.reason, actor: o.actor, now: bo.now() });
        const version = await h.publishDenylist(bo, o);
        const returned = r.purse.closure ? amount(r.purse.closure.returned) : '-';
        h.print(g, { ...r, published: version !== undefined, ...(version !== undefined ? { version } : {}) }, `purse ${r.purse.purseId} ${r.created ? 'closed' : 'already closed'}: ${returned} returned to ${r.purse.account}; ${published(version)}`);
      });
    });

  purse
    .command('undeny')
    .description('Take a purse off the deny list: the next signed list (a new version) leaves it out. Refused for a closed purse and while a fraud case of it is unresolved.')
    .argument('<purse>', 'purse id')
    .requiredOption('--reason <text>', 'why (kept with the removal)')
    .addOption(actorOption())
    .option('--broker <url>', 'publish the new deny list to this broker now')
    .action(async (id: string, o: { reason: string; actor: string; broker?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const r = await undenyPurse(bo.ledger, { purseId: id, reason: o.reason, actor: o.actor, now: bo.now() });
        const version = r.removed ? await h.publishDenylist(bo, o) : undefined;
        h.print(g, { ...r, published: version !== undefined, ...(version !== undefined ? { version } : {}) }, r.removed ? `purse ${r.purseId} taken off the deny list; ${published(version)}` : `purse ${r.purseId} was not on the deny list`);
      });
    });

  program
    .command('refund')
    .description(
      "Refund (part of) a settled payment: a transfer from the merchant's account to the customer account that paid. --id is the merchant's id for the refund: running it again refunds once. The refunds of a payment never exceed it.",
    )
    .argument('<txId>', 'the payment refunded')
    .argument('<amount>', 'minor units', (v: string) => (/^\d+$/.test(v) ? Number(v) : NaN))
    .requiredOption('--merchant <id>', 'the merchant refunding (the payment must be theirs)')
    .requiredOption('--id <refund-id>', "the merchant's id for this refund")
    .requiredOption('--reason <text>', 'why')
    .option('--terminal <id>', 'the terminal that journalled the refund (one of the merchant’s)')
    .addOption(actorOption())
    .action(async (txId: string, amt: number, o: { merchant: string; id: string; reason: string; terminal?: string; actor: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const r = await refundPayment(bo.ledger, {
          merchantId: o.merchant,
          txId,
          amount: amt,
          refundId: o.id,
          reason: o.reason,
          actor: o.actor,
          now: bo.now(),
          ...(o.terminal ? { source: 'terminal' as const, terminalId: o.terminal } : {}),
        });
        h.print(g, r, `${r.created ? 'refunded' : 'already refunded'} ${amount(r.refund.amount)} of ${r.refund.txId} to ${r.refund.account}; ${amount(r.refunded)} refunded in all, ${amount(r.remaining)} left`);
      });
    });
}
