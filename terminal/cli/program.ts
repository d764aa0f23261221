// The `tessera` command: daemon, status, charge, void, refund, tx, reprint, z-report, verify-journal, config, devices — every one with --json.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { TesseraError, isCurrency, isTesseraError, parseAmount, printSpecIfAsked } from '#common';
import { packageVersion } from '#common/node';
import { configDocs, configPath, loadConfig, loadConfigMigrated, type TerminalConfig } from '../config.js';
import { redactSecrets } from '../secrets.js';
import { ApiClient, type ApiTarget } from '../api/client.js';
import type { TransactionJson } from '../api/transactions.js';
// The daemon, store and protocol load only in the commands that need them: client commands start fast.
import type { DaemonStatus } from '../daemon/daemon.js';
import type { PaymentState } from '../checkout/types.js';
import { money, paymentLine, statusText, txTable, txText } from './format.js';
import type { DeviceList } from '#drivers';
import { drainProgressWriter } from '../sync/cli-progress.js';
import { runDaemon, type DaemonDeps } from './daemon-command.js';
import { reportFailure } from './failure.js';
import { registerBackupCommands } from './backup-command.js';
import { registerAdjustCommands } from './adjust-commands.js';
import { registerReportCommands } from './report-command.js';

/** What the lead wires at merge: drivers, sync and systemd notification. */
interface SyncStatusLike {
  connected: boolean;
  backlog: number;
  lastSyncMs: number | null;
}

export interface CliDeps extends DaemonDeps {
  /** `tessera devices`: the drivers' device listing. */
  listDevices?: () => Promise<DeviceList>;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  isTTY?: boolean;
}

interface Globals {
  config?: string;
  socket?: string;
  json?: boolean;
}

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function createProgram(deps: CliDeps = {}): { program: Command; run: (argv: string[]) => Promise<number> } {
  const out = deps.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = deps.stderr ?? ((s: string) => void process.stderr.write(s));
  const env = deps.env ?? process.env;
  const program = new Command('tessera');
  program
    .description('Tessera offline QR payment terminal: run the daemon, take payments, inspect the journal.')
    .option('-c, --config <path>', `config file (default: $TESSERA_CONFIG or /etc/tessera/terminal.json)`)
    .option('-s, --socket <path>', 'control socket of the daemon (default: api.socket from the config)')
    .option('--json', 'machine-readable JSON output')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: (s) => err(s) });

  const g = (cmd: Command): Globals => cmd.optsWithGlobals() as Globals;
  const print = (cmd: Command, json: unknown, human: string): void => {
    out(g(cmd).json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
  };
  const cfgOf = (cmd: Command): TerminalConfig => loadConfig(configPath(g(cmd).config, env));
  const client = (cmd: Command): ApiClient => {
    const o = g(cmd);
    let socket = o.socket;
    if (!socket) {
      try {
        socket = cfgOf(cmd).api.socket;
      } catch (e) {
        if (!isTesseraError(e, 'CONFIG_NOT_FOUND')) throw e;
        socket = '/run/tessera/control.sock';
      }
    }
    const target: ApiTarget = { socketPath: socket };
    return new ApiClient(target);
  };

  program
    .command('daemon')
    .description('run the terminal daemon in the foreground (systemd runs this); stops cleanly on SIGTERM/SIGINT')
    .action((_o, cmd: Command) => runDaemon(g(cmd).config, deps, env));

  program
    .command('status')
    .description('terminal status: readiness, clock, journal and sync backlog, decision latency p50/p99, devices')
    .action(async (_o, cmd: Command) => {
      const s = await client(cmd).call<DaemonStatus>('GET', '/v1/status');
      print(cmd, s, statusText(s));
    });

  program
    .command('charge')
    .description('open a payment request for AMOUNT (major units, e.g. 4.50) and show its QR on the terminal display')
    .argument('<amount>', 'amount, e.g. 4.50 (or minor units with --minor)')
    .option('--currency <code>', 'ISO 4217 currency (default: merchant.currency)')
    .option('--reference <text>', 'merchant reference (max 32 characters), kept in the journal')
    .option('--minor', 'AMOUNT is in minor units (cents)')
    .option('--wait', 'wait until the payment is approved, cancelled or expired; exit 0 only if approved')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '600')
    .action(async (amountText: string, o: { currency?: string; reference?: string; minor?: boolean; wait?: boolean; timeout: string }, cmd: Command) => {
      let currency = o.currency;
      if (!currency) {
        try {
          currency = cfgOf(cmd).merchant.currency;
        } catch {
          currency = 'EUR';
        }
      }
      if (!isCurrency(currency)) throw new TesseraError('USAGE', `"${currency}" is not an ISO 4217 currency code`);
      const amount = parseAmount(amountText, currency, o.minor);
      if (amount === undefined || amount < 1) throw new TesseraError('USAGE', `invalid amount "${amountText}" for ${currency}`);
      const api = client(cmd);
      const p = await api.call<PaymentState>('POST', '/v1/payments', { amount, currency, ...(o.reference ? { reference: o.reference } : {}) });
      if (!o.wait) return print(cmd, p, `Payment ${p.id} open: ${money(p.amount, p.currency)} — the customer scans the QR on the display`);
      if (!g(cmd).json) err(`Payment ${p.id} open: ${money(p.amount, p.currency)} — waiting for the customer…\n`);
      const final = await waitFinal(api, p.id, Number(o.timeout) * 1000);
      print(cmd, final, paymentLine(final));
      if (final.status !== 'approved') {
        const why = final.lastDecline ? `, last decline ${final.lastDecline.reason}` : '';
        err(`tessera: payment ${final.status}${why}\n`);
        throw new Exit(1);
      }
    });

  program
    .command('sync')
    .description('ask the daemon to send its journal backlog to the broker now; --wait shows progress until the backlog is 0')
    .option('--wait', 'wait until the back office has acknowledged everything (exit 1 on timeout)')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '120')
    .action(async (o: { wait?: boolean; timeout: string }, cmd: Command) => {
      const api = client(cmd);
      const first = await api.call<SyncStatusLike>('POST', '/v1/sync', { wait: false });
      if (!o.wait) return print(cmd, first, `Sync requested: ${first.backlog} record(s) in the backlog, broker ${first.connected ? 'connected' : 'not connected'}`);
      const deadline = Date.now() + Number(o.timeout) * 1000;
      const tty = deps.isTTY ?? process.stdout.isTTY === true;
      const progress = drainProgressWriter({ write: out, form: g(cmd).json ? 'json' : tty ? 'tty' : 'plain' });
      const start = first.backlog;
      for (;;) {
        const st = (await api.call<DaemonStatus>('GET', '/v1/status')).components.sync as SyncStatusLike | undefined;
        if (!st) throw new TesseraError('BROKER_UNREACHABLE', 'sync stopped');
        const done = st.backlog === 0;
        progress({ backlog: st.backlog, startBacklog: start, connected: st.connected, lastSyncMs: st.lastSyncMs, done });
        if (done) return;
        if (Date.now() > deadline) {
          err(`tessera: SYNC_TIMEOUT: ${st.backlog} record(s) still unacknowledged after ${o.timeout} s${st.connected ? '' : ' (broker not reachable)'}\n`);
          throw new Exit(1);
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    });

  program
    .command('cancel')
    .description('cancel the open payment request')
    .argument('[id]', 'payment id (default: the open one)')
    .action(async (id: string | undefined, _o, cmd: Command) => {
      const p = await client(cmd).call<PaymentState>('POST', id ? `/v1/payments/${id}/cancel` : '/v1/payments/current/cancel');
      print(cmd, p, paymentLine(p));
    });

  const tx = program.command('tx').alias('transactions').description('transactions in the journal (`tessera transactions --reference R` searches)');
  tx.command('list', { isDefault: true })
    .description('latest transactions, newest first; --reference, --from and --to search the journal')
    .option('-n, --limit <n>', 'how many (1-1000)', '20')
    .option('--approved', 'approved payments only')
    .option('--reference <text>', 'only the payment(s) with this register reference')
    .option('--from <time>', 'decided at or after this time: ISO 8601 with offset (2026-12-05T09:00:00Z) or epoch ms')
    .option('--to <time>', 'decided before this time (same forms as --from)')
    .action(async (o: { limit: string; approved?: boolean; reference?: string; from?: string; to?: string }, cmd: Command) => {
      const q = new URLSearchParams({ limit: o.limit });
      if (o.approved) q.set('approved', 'true');
      for (const k of ['reference', 'from', 'to'] as const) if (o[k] !== undefined) q.set(k, o[k]);
      const r = await client(cmd).call<{ head: number; transactions: TransactionJson[] }>('GET', `/v1/transactions?${q}`);
      print(cmd, r, txTable(r.transactions));
    });
  tx.command('show')
    .description('one transaction by id (hex) or journal index')
    .argument('<tx>', 'transaction id or journal index')
    .action(async (id: string, _o, cmd: Command) => {
      const r = await client(cmd).call<TransactionJson>('GET', `/v1/transactions/${encodeURIComponent(id)}`);
      print(cmd, r, txText(r));
    });
  tx.command('export')
    .description('every transaction, oldest first, as CSV or JSON lines (to stdout or --output)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('jsonl'))
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (o: { format: string; output?: string }, cmd: Command) => {
      const api = client(cmd);
      if (o.output) {
        const f = createWriteStream(o.output);
        let bytes = 0;
        await api.stream(`/v1/transactions/export?format=${o.format}`, (c) => {
          bytes += c.length;
          return f.write(c) ? undefined : once(f, 'drain');
        });
        await new Promise<void>((resolve, reject) => f.end((e?: Error | null) => (e ? reject(e) : resolve())));
        print(cmd, { output: o.output, format: o.format, bytes }, `wrote ${bytes} bytes of ${o.format} to ${o.output}`);
      } else if (deps.stdout) await api.stream(`/v1/transactions/export?format=${o.format}`, (c) => deps.stdout?.(c.toString('utf8')));
      // A slow pipe (| gzip, | ssh) holds the export instead of filling this process's memory.
      else await api.stream(`/v1/transactions/export?format=${o.format}`, (c) => (process.stdout.write(c) ? undefined : once(process.stdout, 'drain')));
    });

  program
    .command('reprint')
    .description('print a copy of a receipt (default: the latest approved payment)')
    .argument('[tx]', 'transaction id (hex)')
    .action(async (id: string | undefined, _o, cmd: Command) => {
      const r = await client(cmd).call<{ txId: string; journalIndex: number; receipt: { status: string; message?: string } }>('POST', '/v1/reprint', id ? { txId: id } : {});
      print(cmd, r, `receipt for #${r.journalIndex} (${r.txId.slice(0, 16)}): ${r.receipt.status}${r.receipt.message ? ` — ${r.receipt.message}` : ''}`);
      if (r.receipt.status !== 'printed') throw new Exit(1);
    });

  program
    .command('verify-journal')
    .description('check the whole journal offline: hash chain, every signature, every column against its record, the head against its signed checkpoint, and the acknowledged index against the last ack the back office signed (reads the database read-only)')
    .option('--db <path>', 'database file (default: database.path from the config)')
    .option('--cert <path>', 'terminal certificate TC1 file (default: identity.certFile from the config)')
    .option('--root-key <path>', 'root public key file the stored trust list is checked against (default: identity.rootKeyFile from the config)')
    .action(async (o: { db?: string; cert?: string; rootKey?: string }, cmd: Command) => {
      let cfg: TerminalConfig | undefined;
      if (!o.db || !o.cert || !o.rootKey) cfg = cfgOf(cmd);
      const dbPath = o.db ?? cfg!.database.path;
      const { readRootKey, readTerminalCert } = await import('../checkout/identity.js');
      const { openDatabase, verifyJournal, verifyJournalAck, verifyJournalHead } = await import('../store/index.js');
      const cert = readTerminalCert(o.cert ?? cfg!.identity.certFile);
      const rootKey = readRootKey(o.rootKey ?? cfg!.identity.rootKeyFile);
      const db = openDatabase(dbPath, { readonly: true });
      const tty = deps.isTTY ?? process.stderr.isTTY === true;
      try {
        const chain = verifyJournal(db, cert.publicKey, {
          terminalId: cert.terminalId,
          ...(tty && !g(cmd).json ? { onProgress: (n: number, total: number) => err(`\rchecked ${n}/${total} records`) } : {}),
        });
        if (tty && !g(cmd).json) err('\n');
        const head = chain.ok ? verifyJournalHead(db, cert.publicKey, chain, { terminalId: cert.terminalId }) : chain;
        const r = head.ok ? verifyJournalAck(db, rootKey, head, { terminalId: cert.terminalId }) : head;
        if (r.ok) {
          const acked = 'ack' in r && r.ack ? `; the back office acknowledged up to ${r.ack.upTo} (ack signed ${new Date(r.ack.time * 1000).toISOString()})` : '; nothing acknowledged yet';
          return print(cmd, r, `journal OK: ${r.records} records, chain, signatures, columns and signed head verified (head ${r.headHash ?? 'empty'})${acked}`);
        }
        print(cmd, r, `journal BAD at index ${r.firstBadIndex}: ${r.problem} (${r.records} records before it verified)`);
        err(`tessera: JOURNAL_TAMPERED: first bad record ${r.firstBadIndex}: ${r.problem}\n`);
        throw new Exit(1);
      } finally {
        db.close();
      }
    });

  const config = program.command('config').description('configuration');
  config
    .command('check')
    .description('validate the config file, its device entries (against the drivers) and the installed identity files it names')
    .option('--schema-only', 'check the file only, not the identity files')
    .action(async (o: { schemaOnly?: boolean }, cmd: Command) => {
      const path = configPath(g(cmd).config, env);
      // The device entries are checked against the drivers' schemas too (that loads the drivers, so only here).
      const validate = (await import('../daemon/driver-devices.js')).loadConfigValidator;
      const { config: cfg, migration } = loadConfigMigrated(path, undefined, o.schemaOnly ? undefined : await validate());
      if (!o.schemaOnly) (await import('../checkout/identity.js')).readInstalledFiles(cfg.identity);
      const migrated = migration.applied.length ? `\nversion ${migration.from}, migrated to ${migration.to} on load (the next \`tessera provision\` step writes it):\n  ${migration.applied.join('\n  ')}` : '';
      // Never print secrets (sync.password, a password in the broker URL): the output ends up in tickets and logs.
      print(
        cmd,
        { ok: true, path, migrated: migration.applied.length ? { from: migration.from, to: migration.to, applied: migration.applied } : null, config: redactSecrets(cfg) },
        `${path}: OK${o.schemaOnly ? ' (schema only)' : ', identity files readable and well-formed'}${migrated}`,
      );
    });
  config
    .command('docs')
    .description('print the configuration reference (docs/config.md) generated from the schema')
    .action(() => out(configDocs()));

  program
    .command('devices')
    .description('list the scanners, printers and displays this machine can see')
    .action(async (_o, cmd: Command) => {
      const list: DeviceList = deps.listDevices ? await deps.listDevices() : { serial: [], hid: [], framebuffers: [], printers: [], problems: [] };
      // The drivers' own table (with the config type each kind needs); loaded only by this command.
      print(cmd, list, (await import('#drivers')).formatDevicesTable(list).trimEnd());
    });

  registerAdjustCommands(program, { client, print, err });
  registerReportCommands(program, {
    client,
    print,
    language: (cmd) => {
      try {
        return cfgOf(cmd).locale.language;
      } catch {
        return undefined;
      }
    },
  });
  registerBackupCommands(program, { configPathOf: (cmd) => configPath(g(cmd).config, env), print, now: () => Date.now() });

  const run = async (argv: string[]): Promise<number> => {
    const json = argv.includes('--json');
    if (printSpecIfAsked(program, env, out)) return 0;
    try {
      await program.parseAsync(argv);
      return 0;
    } catch (e) {
      if (e instanceof Exit) return e.code;
      if (e instanceof CommanderError) {
        if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
        if (json) out(`${JSON.stringify({ error: { code: 'USAGE', message: e.message.replace(/^error: /, '') } })}\n`);
        return 2;
      }
      return reportFailure(e, json, out, err);
    }
  };
  return { program, run };
}

/** Follows the payment over SSE until it is final (approved, cancelled, expired) or the timeout passes. */
async function waitFinal(api: ApiClient, id: string, timeoutMs: number): Promise<PaymentState> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  let final: PaymentState | undefined;
  const isFinal = (p: PaymentState | undefined): boolean => p !== undefined && p.id === id && p.status !== 'pending';
  try {
    await api.events((ev) => {
      if (ev.event === 'status') {
        // The stream is open: the payment may already have finished before it was.
        api.call<PaymentState>('GET', `/v1/payments/${id}`).then(
          (p) => {
            if (isFinal(p)) {
              final ??= p;
              ac.abort();
            }
          },
          () => undefined,
        );
      } else if (ev.event === 'payment' && isFinal(ev.data as PaymentState)) {
        final = ev.data as PaymentState;
        return true;
      }
      return false;
    }, ac.signal);
  } finally {
    clearTimeout(timer);
  }
  if (!final) throw new TesseraError('PAYMENT_STATE', `payment ${id} still open after ${timeoutMs / 1000} s`);
  return final;
}

