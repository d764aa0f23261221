// The operator commands: look-ups (tx, purse, terminal, fraud), search, statements, sealed details, and the money operations in ops-money-commands.ts.
import { Option, type Command } from 'commander';
import { TesseraError, isoSeconds } from '#common';
import { accountStatement, dailyStatement, listFraudCases, listPurses, listTerminals, lookupFraudCase, lookupPurse, lookupTerminal, lookupTransaction, openPendingSealed, overview, searchTransactions } from '../ops/index.js';
import { addMoneyCommands, type OpsCliHelpers } from './ops-money-commands.js';
import { amount, formatCase, formatPurse, formatStatement, formatSummaries, formatTerminal, formatTransaction, pageText } from './ops-format.js';

/** Unix seconds, or an ISO 8601 date or date-time (a date alone is its UTC midnight). */
export function instant(name: string) {
  return (v: string): number => {
    if (/^\d+$/.test(v)) return Number(v);
    const ms = Date.parse(v);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(ms)) throw new TesseraError('USAGE', `${name} must be Unix seconds or an ISO 8601 date/time, got "${v}"`);
    return Math.floor(ms / 1000);
  };
}

export function count(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new TesseraError('USAGE', `${name} must be a whole number, got "${v}"`);
    return Number(v);
  };
}

const paging = (cmd: Command): Command => cmd.option('--limit <n>', 'items per page (1-500)', count('--limit'), 50).option('--cursor <c>', 'the next page (printed after a full page)');

export function addOpsCommands<G extends { json?: boolean }>(program: Command, h: OpsCliHelpers<G>): void {
  const tx = program.command('tx').description('Transactions (journal records by txId): look one up, or search them.');
  tx.command('show')
    .description('One transaction: its journal record(s) decoded and re-verified under the trust list, the payment, the settlement, refunds, fraud cases and the opened sealed details.')
    .argument('<txId>', '64 hex characters')
    .option('--no-sealed', 'leave the sealed payment details out')
    .action(async (txId: string, o: { sealed: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const v = await lookupTransaction(bo.ledger, { txId, trust: bo.clearing.trust, showSealed: o.sealed });
        h.print(g, v, formatTransaction(v));
      });
    });
  paging(
    tx
      .command('search')
      .description('Transactions newest first (terminal time), filtered; prints a cursor for the next page.')
      .option('--tx-id <txId>', 'one txId')
      .option('--purse <id>', 'paid from this purse')
      .option('--terminal <id>', 'journalled by this terminal')
      .option('--merchant <id>', 'of this merchant')
      .option('--status <s>', 'settled, duplicate, declined-recorded, fraud or rejected')
      .option('--from <time>', 'at or after (Unix seconds or ISO 8601)', instant('--from'))
      .option('--to <time>', 'before (Unix seconds or ISO 8601)', instant('--to')),
  ).action(async (o: { txId?: string; purse?: string; terminal?: string; merchant?: string; status?: string; from?: number; to?: number; limit: number; cursor?: string }, cmd: Command) => {
    const g = cmd.optsWithGlobals<G>();
    await h.withBackOffice(g, async (bo) => {
      const p = await searchTransactions(bo.ledger, { txId: o.txId, purseId: o.purse, terminalId: o.terminal, merchantId: o.merchant, status: o.status, from: o.from, to: o.to, limit: o.limit, cursor: o.cursor });
      h.print(g, p, formatSummaries(p));
    });
  });

  const purse = program.command('purse').description('Purses: look one up, close it early, take it off the deny list.');
  paging(purse.command('show').description('A purse: state, cap, spent, reserved, deny-list entry, early closure, fraud cases, settled payments.').argument('<purse>', 'purse id')).action(
    async (id: string, o: { limit: number; cursor?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const l = await lookupPurse(bo.ledger, { purseId: id, limit: o.limit, cursor: o.cursor });
        h.print(g, l, formatPurse(l));
      });
    },
  );

  const terminal = program.command('terminal').description('Terminals: list them, look one up.');
  terminal
    .command('show')
    .description('A terminal: certificate fields, journal chains, records by clearing status, settled total, held records, newest incidents.')
    .argument('<terminal>', 'terminal id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const t = await lookupTerminal(bo.ledger, { terminalId: id });
        h.print(g, t, formatTerminal(t));
      });
    });
  paging(terminal.command('list').description('Terminals by id.').option('--merchant <id>', "one merchant's")).action(async (o: { merchant?: string; limit: number; cursor?: string }, cmd: Command) => {
    const g = cmd.optsWithGlobals<G>();
    await h.withBackOffice(g, async (bo) => {
      const p = await listTerminals(bo.ledger, { merchantId: o.merchant, limit: o.limit, cursor: o.cursor });
      h.print(g, p, pageText(p, (x) => `${x.terminalId}  ${x.merchantId}  ${x.mode}  chain ${x.chain} up to #${x.lastIndex}  "${x.displayName}"`));
    });
  });
  paging(
    purse
      .command('list')
      .description('Purses, newest first.')
      .option('--account <id>', "one customer account's")
      .addOption(new Option('--status <s>', 'active or closed').choices(['active', 'closed'])),
  ).action(async (o: { account?: string; status?: 'active' | 'closed'; limit: number; cursor?: string }, cmd: Command) => {
    const g = cmd.optsWithGlobals<G>();
    await h.withBackOffice(g, async (bo) => {
      const p = await listPurses(bo.ledger, { accountId: o.account, status: o.status, limit: o.limit, cursor: o.cursor });
      h.print(g, p, pageText(p, (x) => `${x.purseId}  ${x.account}  ${x.status}${x.denied ? ' denied' : ''}  cap ${amount(x.cap)}  spent ${amount(x.spent)}  reserved ${amount(x.reserved)}`));
    });
  });
  const account = program.commands.find((c) => c.name() === 'account') ?? program.command('account');
  paging(
    account
      .command('statement')
      .description("An account's balance and its postings, newest first (customer, purse:<id>, merchant:<id> or external:… account).")
      .argument('<id>', 'account id')
      .option('--from <time>', 'at or after (Unix seconds or ISO 8601)', instant('--from'))
      .option('--to <time>', 'before (Unix seconds or ISO 8601)', instant('--to')),
  ).action(async (id: string, o: { from?: number; to?: number; limit: number; cursor?: string }, cmd: Command) => {
    const g = cmd.optsWithGlobals<G>();
    await h.withBackOffice(g, async (bo) => {
      const st = await accountStatement(bo.ledger, { accountId: id, from: o.from, to: o.to, limit: o.limit, cursor: o.cursor });
      const lines = pageText(st.postings, (x) => `${isoSeconds(x.at)}  ${x.kind}  ${amount(x.amount)}  ${x.counterparty}${x.ref ? `  (${x.ref})` : ''}`);
      h.print(g, st, `${st.accountId} (${st.kind}) balance ${amount(st.balance)}\n${lines}`);
    });
  });
  program
    .command('overview')
    .description('Figures for the operator: terminals, active purses and what they reserve, the last 24 hours settled, incidents, fraud cases open and resolved, deny-list size.')
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const v = await overview(bo.ledger, { now: bo.now() });
        h.print(
          g,
          v,
          [
            `${v.terminals} terminal(s); ${v.purses.active} active purse(s) reserving ${amount(v.purses.reserved)}`,
            `last 24 h: ${v.lastDay.settlements} settlement(s), ${amount(v.lastDay.amount)}; ${v.lastDay.incidents} incident(s)`,
            `fraud cases: ${v.fraud.open} open (${amount(v.fraud.openAmount)}), ${v.fraud.resolved} resolved; deny list ${v.denylist.size} purse(s)`,
          ].join('\n'),
        );
      });
    });

  const fraud = program.command('fraud').description('Fraud cases: list, look one up with its evidence, resolve.');
  paging(
    fraud
      .command('list')
      .description('Fraud cases, newest first.')
      .addOption(new Option('--status <s>', 'open or resolved').choices(['open', 'resolved']))
      .option('--purse <id>', 'of this purse')
      .option('--terminal <id>', 'at this terminal')
      .option('--merchant <id>', 'of this merchant'),
  ).action(async (o: { status?: 'open' | 'resolved'; purse?: string; terminal?: string; merchant?: string; limit: number; cursor?: string }, cmd: Command) => {
    const g = cmd.optsWithGlobals<G>();
    await h.withBackOffice(g, async (bo) => {
      const p = await listFraudCases(bo.ledger, { status: o.status, purseId: o.purse, terminalId: o.terminal, merchantId: o.merchant, limit: o.limit, cursor: o.cursor });
      h.print(g, p, pageText(p, (c) => formatCase(c)));
    });
  });
  fraud
    .command('show')
    .description('A fraud case with its evidence (both signed payments, decoded; their bytes in --json) and its resolution.')
    .argument('<case>', 'case id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const c = await lookupFraudCase(bo.ledger, { caseId: id });
        h.print(g, c, formatCase(c));
      });
    });

  program
    .command('statement')
    .description('The daily statement of a merchant or a terminal: payments settled that day, refunds, fraud cases opened and paid, net.')
    .option('--merchant <id>', 'merchant id')
    .option('--terminal <id>', 'terminal id')
    .requiredOption('--date <YYYY-MM-DD>', 'the day, in --tz')
    .option('--tz <zone>', 'IANA time zone of the day', 'UTC')
    .action(async (o: { merchant?: string; terminal?: string; date: string; tz: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const s = await dailyStatement(bo.ledger, { merchantId: o.merchant, terminalId: o.terminal, date: o.date, timeZone: o.tz });
        h.print(g, s, formatStatement(s));
      });
    });

  program
    .command('sealed')
    .description('Sealed payment details (opened with the issuer sealed key at clearing).')
    .command('open')
    .description('Open the sealed details of every settlement that has them but no stored opening (clearing does it as it settles; this catches up after a crash or for older settlements). Idempotent.')
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<G>();
      await h.withBackOffice(g, async (bo) => {
        const r = await openPendingSealed(bo.ledger, bo.sealedKey.secretKey(), bo.now());
        h.print(g, r, `${r.scanned} settlement(s) without stored details scanned; ${r.stored} opened and stored`);
      });
    });

  addMoneyCommands(program, purse, fraud, h);
}
