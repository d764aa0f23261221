#!/usr/bin/env node
// tessera-backoffice: issue terminals and purses, keep accounts, run clearing, report, and publish fleet messages.
import { existsSync, readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { TesseraError, amountText, createLogger, isoSeconds, printResult, progress, runCli } from '#common';
import { packageVersion, stdoutIsJournal } from '#common/node';
import { isShareGroup, toQrText, type FareRule, type TerminalConfigBody } from '#protocol';
import { BackOffice } from '../backoffice.js';
import { addTerminalCommands, dynsecConfig } from '../broker-acl.js';
import { defaultHome } from '../home.js';
import { formatReport } from '../report.js';
import { installTrustList } from '../trust-admin.js';
import { addServeCommand } from './serve-command.js';
import { addTrustCommands } from './trust-commands.js';
import { addOpsCommands } from './ops-commands.js';
import { registerBackupCommands } from './backup-commands.js';

interface Globals {
  home: string;
  db?: string;
  json?: boolean;
}

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new TesseraError('USAGE', `${name} must be a whole number (minor units / days), got "${v}"`);
    return Number(v);
  };
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = int(name)(v);
    if (n < 1) throw new TesseraError('USAGE', `${name} must be at least 1, got ${v}`);
    return n;
  };
}

function shareGroup(v: string): string {
  if (!isShareGroup(v)) throw new TesseraError('USAGE', `--share-group must be one topic level (A-Z a-z 0-9 . _ -, at most 64), got "${v}"`);
  return v;
}

function signedInt(name: string) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v)) throw new TesseraError('USAGE', `${name} must be an integer, got "${v}"`);
    return Number(v);
  };
}

function print(g: Globals, value: unknown, text: string): void {
  printResult(g.json, value, text);
}

/**
 * A command that makes a file (bundle, purse file, broker rules) without --out: the file itself on
 * stdout, so `> FILE` keeps it, and in text mode a line for people on stderr; --json wraps both.
 */
function printArtifact(g: Globals, value: unknown, artifact: unknown, note: string): void {
  if (g.json) return print(g, value, '');
  process.stdout.write(`${JSON.stringify(artifact, null, 2)}\n`);
  progress(g.json, note);
}

// mqtt loads only for the commands that talk to a broker (every CLI start counts on a Pi-class server).
const service = () => import('../service.js');

const DEFAULT_BROKER = process.env.TESSERA_BROKER_URL ?? 'mqtt://127.0.0.1:1883';

/** The back office's broker identity (mutual TLS), as every broker command takes it. */
interface BrokerIdentity {
  ca?: string;
  cert?: string;
  key?: string;
}

/**
 * Every command with --broker also takes the back office's TLS identity, from flags or the
 * environment (a systemd unit sets them once). Added by option, so a new broker command gets it too.
 */
function addBrokerIdentity(program: Command): void {
  for (const cmd of program.commands.filter((c) => c.options.some((o) => o.long === '--broker'))) {
    cmd
      .addOption(new Option('--ca <file>', "CA certificate the broker's certificate must chain to (PEM)").env('TESSERA_BROKER_CA'))
      .addOption(new Option('--cert <file>', "the back office's client certificate (PEM); its CN is the broker identity, one per running process").env('TESSERA_BROKER_CERT'))
      .addOption(new Option('--key <file>', 'the private key of --cert (PEM, keep 0600)').env('TESSERA_BROKER_KEY'));
  }
}

async function connectWith(url: string, id: BrokerIdentity) {
  const { connectBroker, brokerTlsOptions } = await service();
  return connectBroker(url, { reconnectPeriod: 0, ...brokerTlsOptions(id) });
}

/** Signs and publishes a new deny list when the command was given --broker (the operator commands that change the list). */
async function publishIfAsked(bo: BackOffice, o: BrokerIdentity & { broker?: string }): Promise<number | undefined> {
  if (!o.broker) return undefined;
  const { publishDenylist } = await service();
  const c = await connectWith(o.broker, o);
  try {
    return await publishDenylist(bo, c);
  } finally {
    await c.endAsync();
  }
}

async function withBackOffice<T>(g: Globals, fn: (bo: BackOffice) => Promise<T>): Promise<T> {
  const bo = await BackOffice.open(g.home, { db: g.db });
  try {
    return await fn(bo);
  } finally {
    await bo.close();
  }
}

function configFrom(o: { operator: string; currency?: string; line?: string; zone?: number; fare?: number; fares?: string; utcOffset?: number }, fallbackCurrency: string): TerminalConfigBody {
  let fares: FareRule[];
  if (o.fares) {
    try {
      fares = JSON.parse(readFileSync(o.fares, 'utf8')) as FareRule[];
    } catch (e) {
      throw new TesseraError('USAGE', `--fares ${o.fares}: ${(e as Error).message}`);
    }
  } else if (o.fare !== undefined) {
    fares = [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: o.fare }];
  } else {
    throw new TesseraError('USAGE', 'a transit config needs --fare AMOUNT (flat) or --fares FILE (JSON rules)');
  }
  return {
    currency: o.currency ?? fallbackCurrency,
    operatorId: o.operator,
    ...(o.line ? { line: o.line } : {}),
    ...(o.zone !== undefined ? { zone: o.zone } : {}),
    utcOffsetMinutes: o.utcOffset ?? 0,
    fares,
  };
}

function buildProgram(): Command {
  const program = new Command('tessera-backoffice')
    .description(
      'The Tessera back office: the issuer (root, issuer and sealed keys; terminal and purse certificates), the ledger of accounts and purse reservations, the clearing service that settles terminal journals over MQTT, fraud cases and the deny list. Amounts you give are whole minor units (cents); amounts printed for people are formatted in their currency (EUR 2.30, ISK 1,000), and --json keeps integer minor units with the currency code. Data lives in --home (default $TESSERA_BACKOFFICE_HOME or ~/.tessera-backoffice).',
    )
    .addOption(new Option('--home <dir>', 'back office data directory').env('TESSERA_BACKOFFICE_HOME').default(defaultHome()))
    .addOption(new Option('--db <url>', 'keep the ledger in PostgreSQL (postgres://user@host/db) instead of the SQLite file in --home').env('TESSERA_BACKOFFICE_DB'))
    .option('--json', 'print machine-readable JSON instead of text')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError(false);

  program
    .command('init')
    .description('Create the root key, the issuer signing key, the issuer encryption key for sealed details, the clearing key that signs acks (all 0600), the root-signed trust list and an empty ledger.')
    .option('--currency <code>', 'the currency of accounts and purses (ISO 4217)', 'EUR')
    .option('--key-days <n>', 'validity of the issuer keys in the trust list, in days', int('--key-days'), 3 * 365)
    .action(async (o: { currency: string; keyDays: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const bo = await BackOffice.init(g.home, { currency: o.currency, keyDays: o.keyDays, db: g.db });
      const value = { home: g.home, currency: bo.currency, rootPublicKey: bo.rootPublicKey, trustList: bo.trustText };
      await bo.close();
      const text = [
        `back office created in ${g.home}`,
        `root public key ${value.rootPublicKey}`,
        '',
        `THE ROOT KEY IS IN ${bo.paths.offlineDir}/ AND MUST LEAVE THIS MACHINE.`,
        'Copy that directory to offline media (two copies, two safes), then delete it here',
        `(${bo.paths.offlineDir}/README.txt says how). The online back office never needs it again;`,
        'only trust-list ceremonies on the offline machine do (tessera-backoffice trust sign --help).',
      ];
      print(g, { ...value, rootKey: bo.paths.rootKey, offlineDir: bo.paths.offlineDir }, text.join('\n'));
    });

  program
    .command('issue-terminal')
    .description(
      "Verify a terminal's enrolment request (TE1 text, or a file holding it: proof that it holds its key), sign its terminal certificate, register it for clearing, and write the trust bundle it installs with `tessera provision install BUNDLE`.",
    )
    .argument('<request>', 'TE1:… text or a file containing it')
    .requiredOption('--merchant <id>', 'merchant (or transit operator) id the terminal settles to')
    .requiredOption('--name <display>', "the merchant's name as wallets will show it")
    .addOption(new Option('--mode <mode>', 'merchant (requests exact amounts) or transit (validator with fares)').choices(['merchant', 'transit']).default('merchant'))
    .option('--days <n>', 'certificate validity in days', int('--days'), 365)
    .option('--operator <id>', 'transit: operator id in the fare config (default: --merchant)')
    .option('--line <line>', 'transit: the line this validator serves')
    .option('--zone <n>', 'transit: the zone of this validator', int('--zone'))
    .option('--fare <amount>', 'transit: a flat fare for the included config', int('--fare'))
    .option('--fares <file>', 'transit: JSON array of fare rules {zone, fromMinute, toMinute, fare}')
    .option('--utc-offset <minutes>', 'transit: local time offset for fare bands', signedInt('--utc-offset'))
    .option('--out <file>', 'write the bundle JSON here (default: print it)')
    .option('--replace', 're-enrol a terminal id that has another key (starts a new journal chain)')
    .action(async (request: string, o: Record<string, string | number | boolean | undefined>, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const text = existsSync(request) ? readFileSync(request, 'utf8').trim() : request.trim();
      await withBackOffice(g, async (bo) => {
        const transitConfig =
          o.mode === 'transit' && (o.fare !== undefined || o.fares !== undefined)
            ? configFrom({ operator: (o.operator as string | undefined) ?? (o.merchant as string), ...(o as object) } as Parameters<typeof configFrom>[0], bo.currency)
            : undefined;
        const r = await bo.issueTerminal(text, {
          mode: o.mode as 'merchant' | 'transit',
          merchantId: o.merchant as string,
          displayName: o.name as string,
          days: o.days as number,
          ...(transitConfig ? { config: transitConfig } : {}),
          replace: Boolean(o.replace),
        });
        if (o.out) BackOffice.writeJson(o.out as string, r.bundle, true);
        const value = { terminalId: r.cert.terminalId, merchantId: r.cert.merchantId, mode: r.cert.mode, notAfter: r.cert.notAfter, bundle: o.out ? o.out : r.bundle };
        const certified = `terminal ${r.cert.terminalId} (${r.cert.mode}, merchant ${r.cert.merchantId}) certified until ${isoSeconds(r.cert.notAfter)}`;
        if (o.out) print(g, value, `${certified}; bundle written to ${String(o.out)}`);
        else printArtifact(g, value, r.bundle, `${certified}; the bundle is on stdout (or give --out FILE)`);
      });
    });

  const account = program.command('account').description('Customer accounts: the money purses are reserved from and return to.');
  account
    .command('create')
    .description('Open a customer account in the back office currency (balance 0).')
    .argument('<id>', 'account id (A-Z a-z 0-9 . _ -)')
    .option('--name <name>', 'holder name')
    .action(async (id: string, o: { name?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        const a = await bo.createAccount(id, o.name);
        print(g, a, `account ${a.id} created (${a.currency})`);
      });
    });
  account
    .command('fund')
    .description('Credit an account with money received from outside (a double-entry transfer from the funding account).')
    .argument('<id>', 'account id')
    .argument('<amount>', 'minor units', int('amount'))
    .option('--memo <text>', 'what the money is', 'funding')
    .option('--id <transfer-id>', 'your id for this funding (e.g. the bank reference): running the command again with it credits once; with another account or amount it is refused')
    .action(async (id: string, amount: number, o: { memo: string; id?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        const a = await bo.fund(id, amount, o.memo, o.id);
        print(g, a, `account ${a.id}: balance ${amountText(a.balance, a.currency)}`);
      });
    });
  account
    .command('show')
    .description('Show an account (customer id, or a merchant id) with its balance and its purses.')
    .argument('<id>', 'account id or merchant id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        const a = await bo.account(id);
        const purses = (await bo.ledger.listPurses()).filter((p) => p.account === a.id);
        const m = (n: number, currency: string) => amountText(n, currency);
        const lines = [`${a.id} (${a.kind}) balance ${m(a.balance, a.currency)}`, ...purses.map((p) => `  purse ${p.purseId} ${p.status} cap ${m(p.cap, p.currency)} spent ${m(p.spent, p.currency)} reserved ${m(p.reserved, p.currency)}`)];
        print(g, { ...a, purses }, lines.join('\n'));
      });
    });

  program
    .command('issue-purse')
    .description(
      "Move --cap from the account's balance into a purse reservation and sign a purse certificate for the wallet's key. The cap bounds what the wallet can ever spend offline; --limit bounds one payment. Writes the purse file the wallet imports.",
    )
    .requiredOption('--account <id>', 'customer account to reserve from')
    .requiredOption('--wallet-key <hex>', "the wallet's public key (tessera-wallet create prints it)")
    .requiredOption('--cap <amount>', 'offline cap, minor units', int('--cap'))
    .requiredOption('--limit <amount>', 'per-payment limit, minor units', int('--limit'))
    .option('--days <n>', 'purse validity in days', int('--days'), 30)
    .option('--out <file>', 'write the purse file here (default: print it)')
    .option('--id <issue-id>', 'your id for this issuance: running the command again with it and the same request gives the same purse; with another request it is refused')
    .action(async (o: { account: string; walletKey: string; cap: number; limit: number; days: number; out?: string; id?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        const r = await bo.issuePurse({ account: o.account, walletKey: o.walletKey, cap: o.cap, perPaymentLimit: o.limit, days: o.days, ...(o.id !== undefined ? { id: o.id } : {}) });
        if (o.out) BackOffice.writeJson(o.out, r.file, true);
        const issued = `purse ${r.purse.purseId} of ${r.purse.account}: cap ${amountText(r.purse.cap, r.purse.currency)}, up to ${amountText(r.purse.perPaymentLimit, r.purse.currency)} a payment, valid until ${isoSeconds(r.purse.notAfter)}`;
        if (o.out) print(g, { purse: r.purse, file: o.out }, `${issued}; written to ${o.out}`);
        else printArtifact(g, { purse: r.purse, file: r.file }, r.file, `${issued}; the purse file is on stdout (or give --out FILE)`);
      });
    });

  program
    .command('settle-expired')
    .description('Close purses past their validity plus a grace period for late journals, returning their unspent reservation to the account.')
    .option('--grace-days <n>', 'days after expiry before closing', int('--grace-days'), 7)
    .action(async (o: { graceDays: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        const r = await bo.settleExpired(o.graceDays * 86_400);
        print(g, { currency: bo.currency, closed: r }, r.length ? r.map((x) => `purse ${x.purseId}: ${amountText(x.returned, bo.currency)} returned`).join('\n') : 'no purse to close');
      });
    });

  program
    .command('run')
    .description(
      "The clearing service: subscribes to every terminal's journal with the shared subscription $share/clearing/tessera/v1/terminals/+/journal (run several on the same ledger, on one machine or several, to share the load), clears up to --concurrency batches at once (each terminal's in order), verifies each record and its chain, re-verifies each payment, settles, acks the terminal (an ack signed with the clearing key), asks it to re-send when records are missing, and publishes a new deny list when it detects fraud.",
    )
    .option('--broker <url>', 'MQTT broker URL ($TESSERA_BROKER_URL)', DEFAULT_BROKER)
    .option('--client-id <id>', 'MQTT client id (default: unique per process; a broker that makes the certificate CN the client id, as the shipped one does, ignores it)')
    .option('--expire-every <seconds>', 'close expired purses this often (0: never)', int('--expire-every'), 3_600)
    .option('--grace-days <n>', 'days after expiry before a purse is closed', int('--grace-days'), 7)
    .option('--refresh-every <seconds>', 're-sign the deny list at a new version and republish it and the trust list this often (0: never; terminals decline as TRUST_STALE once their deny list is 72 h old)', int('--refresh-every'), 3_600)
    .addOption(new Option('--worker-id <name>', "this worker's name in logs and status output (default: <hostname>-<pid>)").env('TESSERA_WORKER_ID'))
    .addOption(new Option('--share-group <name>', 'shared-subscription group; every worker of one ledger joins the same one (the broker rules must allow it: broker-acl --share-group)').env('TESSERA_SHARE_GROUP').default('clearing').argParser(shareGroup))
    .option('--concurrency <n>', 'batches cleared at once by this process, each terminal still in order (PostgreSQL: one connection each)', positiveInt('--concurrency'), 4)
    .option('--resync-delay <ms>', 'how long a gap may stay open (another worker filling it) before the terminal is asked to re-send (0: at once)', int('--resync-delay'), 1_000)
    .option('--status-every <seconds>', "log this worker's counters (batches, queue, resyncs, gaps) this often (0: never)", int('--status-every'), 60)
    .action(async (o: BrokerIdentity & { broker: string; clientId?: string; expireEvery: number; graceDays: number; refreshEvery: number; workerId?: string; shareGroup: string; concurrency: number; resyncDelay: number; statusEvery: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const { ClearingService } = await service();
      const logger = createLogger({ base: { service: 'tessera-backoffice' }, syslogPrefix: stdoutIsJournal() });
      const bo = await BackOffice.open(g.home, { logger, db: g.db });
      let svc: InstanceType<typeof ClearingService>;
      try {
        svc = new ClearingService(bo, {
          url: o.broker,
          ...(o.clientId ? { clientId: o.clientId } : {}),
          ...(o.workerId ? { workerId: o.workerId } : {}),
          shareGroup: o.shareGroup,
          concurrency: o.concurrency,
          resyncDelayMs: o.resyncDelay,
          tls: { ca: o.ca, cert: o.cert, key: o.key },
          logger,
          expireEveryMs: o.expireEvery * 1000,
          graceSeconds: o.graceDays * 86_400,
          refreshEverySeconds: o.refreshEvery,
        });
        await svc.start();
      } catch (e) {
        await bo.close();
        throw e;
      }
      const s = svc.status();
      const started = { running: true, broker: o.broker, pid: process.pid, worker: s.workerId, subscription: s.subscription, concurrency: s.concurrency };
      // A long-running process: with --json its stdout is JSON lines (this one, then the log), so the start is one line too.
      process.stdout.write(
        g.json ? `${JSON.stringify(started)}\n` : `clearing running on ${o.broker} as worker ${s.workerId} (pid ${process.pid}, ${s.subscription}, ${s.concurrency} batches at once)\n`,
      );
      const statusTimer = o.statusEvery > 0 ? setInterval(() => logger.info({ clearing: svc.status() }, 'clearing status'), o.statusEvery * 1000) : undefined;
      statusTimer?.unref();
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      if (statusTimer) clearInterval(statusTimer);
      await svc.stop();
      await bo.close();
    });

  program
    .command('report')
    .description('Balances of every account, settlements per merchant, purses, fraud cases (with their evidence in --json), incidents and the deny list.')
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        const r = await bo.report();
        print(g, r, formatReport(r));
      });
    });

  program
    .command('verify-journal')
    .description(
      "Re-verify a terminal's stored journal chain by chain (a re-enrolled terminal's old chains under their retired keys): signatures, indexes 1..n, hash links. Exits 1 when a chain does not verify.",
    )
    .argument('<terminal>', 'terminal id')
    .option('--chain <n>', 'only this chain (1 = the first key)', int('--chain'))
    .action(async (terminal: string, o: { chain?: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        progress(g.json, `verifying the journal of ${terminal}${o.chain !== undefined ? ` (chain ${o.chain})` : ''}: every signature and hash link…`);
        const audits = await bo.auditJournal(terminal, o.chain);
        const lines = audits.map(
          (a) => `chain ${a.chain} (${a.retiredAt === null ? 'current' : 'retired'}): ${a.records} record(s) up to ${a.lastIndex}: ${a.ok ? 'verified' : `NOT VERIFIED\n  ${a.problems.join('\n  ')}`}`,
        );
        print(g, { terminalId: terminal, ok: audits.every((a) => a.ok), chains: audits }, lines.join('\n'));
        // The audit is printed either way; the exit status says whether every chain held.
        if (!audits.every((a) => a.ok)) process.exitCode = 1;
      });
    });

  program
    .command('audit')
    .description(
      'Check the ledger invariants: every transfer two postings summing to 0, all postings summing to 0, every settled txId paid by exactly one transfer of its amount, every purse spent equal to its settlements, every balance equal to its postings. Exits 1 when one does not hold.',
    )
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        progress(g.json, 'auditing the ledger: transfers, postings, settlements, purses and balances…');
        const a = await bo.ledger.audit();
        const head = `${a.settlements} settlement(s), postings sum ${amountText(a.postingsSum, bo.currency)}: ${a.ok ? 'ledger consistent' : 'LEDGER INCONSISTENT'}`;
        print(g, { ...a, currency: bo.currency }, [head, ...a.problems.map((p) => `  ${p}`)].join('\n'));
        if (!a.ok) process.exitCode = 1;
      });
    });

  program
    .command('deny')
    .description(
      'Put a purse on the deny list. With --broker, sign a new version and publish it retained to the fleet at once; without, a running clearing service publishes it at its next check (within a minute by default).',
    )
    .argument('<purse>', 'purse id (32 hex characters)')
    .option('--reason <text>', 'why', 'denied by operator')
    .option('--broker <url>', 'publish to this broker now')
    .action(async (purse: string, o: BrokerIdentity & { reason: string; broker?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        const r = await bo.denyPurse(purse.toLowerCase(), o.reason);
        const version = await publishIfAsked(bo, o);
        const text = version !== undefined ? `deny list version ${version} published` : 'not published yet: a running clearing service publishes it at its next check (or run publish-denylist)';
        print(g, { ...r, published: version !== undefined, ...(version !== undefined ? { version } : {}) }, `${r.added ? 'denied' : 'already denied'}: ${text}`);
      });
    });

  program
    .command('publish-denylist')
    .description('Sign the current deny list and publish it retained to tessera/v1/fleet/denylist (or print it with --text).')
    .option('--broker <url>', 'MQTT broker URL', DEFAULT_BROKER)
    .option('--text', 'print the TF1 text instead of publishing')
    .action(async (o: BrokerIdentity & { broker: string; text?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        if (o.text) {
          const d = await bo.signDenylist();
          print(g, { version: d.version, text: toQrText('FLEET_MESSAGE', d.bytes) }, toQrText('FLEET_MESSAGE', d.bytes));
          return;
        }
        const { publishDenylist } = await service();
        const c = await connectWith(o.broker, o);
        try {
          const version = await publishDenylist(bo, c);
          print(g, { version }, `deny list version ${version} published`);
        } finally {
          await c.endAsync();
        }
      });
    });

  program
    .command('publish-config')
    .description("Sign a terminal config (currency, operator, line, zone, fares) at the terminal's next config version and publish it retained on its config topic.")
    .argument('<terminal>', 'terminal id')
    .requiredOption('--operator <id>', 'transit operator id payments must name')
    .option('--currency <code>', 'fare currency (default: the back office currency)')
    .option('--line <line>', 'the line this validator serves')
    .option('--zone <n>', 'the zone of this validator', int('--zone'))
    .option('--fare <amount>', 'a flat fare, minor units', int('--fare'))
    .option('--fares <file>', 'JSON array of fare rules {zone, fromMinute, toMinute, fare}')
    .option('--utc-offset <minutes>', 'local time offset for fare bands', signedInt('--utc-offset'))
    .option('--broker <url>', 'MQTT broker URL', DEFAULT_BROKER)
    .action(async (terminal: string, o: Parameters<typeof configFrom>[0] & BrokerIdentity & { broker: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        const config = configFrom(o, bo.currency);
        const { publishConfig } = await service();
        const c = await connectWith(o.broker, o);
        try {
          const version = await publishConfig(bo, c, terminal, config);
          print(g, { terminalId: terminal, version, config }, `config version ${version} published to ${terminal}`);
        } finally {
          await c.endAsync();
        }
      });
    });

  program
    .command('publish-trust')
    .description(
      'Publish the root-signed trust list retained to tessera/v1/fleet/trust. With FILE (from `trust sign` on the offline machine): verify it against the root public key, require a higher version, install it as the current list (the issuer switches to a newly listed key of its own) and publish it.',
    )
    .argument('[file]', 'a new trust list (TL1 text) to install first')
    .option('--force', 'install even if the list retires a key that still signs unexpired certificates')
    .option('--broker <url>', 'MQTT broker URL', DEFAULT_BROKER)
    .action(async (file: string | undefined, o: BrokerIdentity & { broker: string; force?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      await withBackOffice(g, async (bo) => {
        const installed = file ? await installTrustList(bo, readFileSync(file, 'utf8'), { force: Boolean(o.force) }) : undefined;
        if (installed && !g.json) process.stdout.write(`trust list version ${installed.list.version} installed (was ${installed.previousVersion}); issuer key ${installed.signingKid} signs\n`);
        const { publishTrust } = await service();
        const c = await connectWith(o.broker, o);
        try {
          const version = await publishTrust(bo, c);
          print(g, { version, ...(installed ? { installed } : {}) }, `trust list version ${version} published`);
        } finally {
          await c.endAsync();
        }
      });
    });

  program
    .command('broker-acl')
    .description(
      "Write the broker's access rules for mosquitto's dynamic-security plugin (plugin_opt_config_file): a role per terminal in the ledger (its own journal and status out; its own ack and config and the fleet topics in), the clearing role for each back-office identity, the rule-changing role for admin identities and the status-reading role for monitor identities. Install it and restart mosquitto; or, with --live TERMINAL, print the mosquitto_ctrl commands that add one terminal to a running broker (docs/mqtt.md).",
    )
    .option('--backoffice <ids>', 'comma-separated back-office identities (certificate CNs): one per clearing instance and per publishing tool', 'backoffice')
    .option('--admin <ids>', 'comma-separated identities allowed to change the rules at run time with mosquitto_ctrl', '')
    .option('--monitor <ids>', "comma-separated identities that may read every terminal's status topic (dashboards)", '')
    .option('--exclude <ids>', 'comma-separated terminal ids to leave out (stolen or retired terminals)', '')
    .option('--share-group <names>', 'comma-separated shared-subscription groups the clearing role may join (run --share-group)', 'clearing')
    .option('--live <terminal>', 'print the mosquitto_ctrl arguments that add this terminal to a running broker instead')
    .option('--out <file>', 'write the JSON here (default: print it)')
    .action(async (o: { backoffice: string; admin: string; monitor: string; exclude: string; shareGroup: string; live?: string; out?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);
      const usage = <T>(f: () => T): T => {
        try {
          return f();
        } catch (e) {
          throw new TesseraError('USAGE', (e as Error).message);
        }
      };
      if (o.live !== undefined) {
        const live = o.live;
        const commands = usage(() => addTerminalCommands(live));
        const quote = (a: string) => (/^[A-Za-z0-9._/+-]+$/.test(a) ? a : `'${a}'`);
        print(g, { commands }, commands.map((c) => `mosquitto_ctrl $CONNECTION ${c.map(quote).join(' ')}`).join('\n'));
        return;
      }
      await withBackOffice(g, async (bo) => {
        const excluded = new Set(list(o.exclude));
        const terminals = (await bo.ledger.listTerminals()).map((x) => x.terminalId).filter((id) => !excluded.has(id));
        const backoffice = list(o.backoffice);
        const config = usage(() => dynsecConfig({ terminals, backoffice, admin: list(o.admin), monitor: list(o.monitor), shareGroups: list(o.shareGroup) }));
        if (o.out) BackOffice.writeJson(o.out, config, true);
        const made = `broker rules for ${terminals.length} terminal(s) and ${backoffice.join(', ')}`;
        if (o.out) print(g, { out: o.out, terminals: terminals.length, backoffice }, `${made} written to ${o.out}`);
        else printArtifact(g, config, config, `${made}: the dynamic-security file is on stdout (or give --out FILE)`);
      });
    });

  addTrustCommands<Globals>(program, { print, withBackOffice });
  addOpsCommands<Globals>(program, { print, withBackOffice, publishDenylist: publishIfAsked });
  addServeCommand(program);

  addBrokerIdentity(program);
  registerBackupCommands(program);
  return program;
}

await runCli(buildProgram(), 'tessera-backoffice', process.argv);
