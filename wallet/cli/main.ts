#!/usr/bin/env node
// tessera-wallet: the reference wallet — a key, purses from the back office, and signed payment QR codes.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { TesseraError, amountText, isoSeconds, printResult, runCli } from '#common';
import { packageVersion } from '#common/node';
import { Wallet, defaultWalletHome, type PaymentOutput } from '../wallet.js';

interface Globals {
  home: string;
  json?: boolean;
}

function int(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new TesseraError('USAGE', `${name} must be a whole number of minor units, got "${v}"`);
    return Number(v);
  };
}

function print(g: Globals, value: unknown, text: string): void {
  printResult(g.json, value, text);
}

// QR libraries load only when a code is drawn or read.
const qr = () => import('../qr.js');

async function show(g: Globals, o: { png?: string; text?: boolean }, p: PaymentOutput, headline: string): Promise<void> {
  const { qrAnsi, qrPngFile } = await qr();
  if (o.png) await qrPngFile(o.png, p.text);
  const value = { ...p, bytes: undefined, png: o.png ?? null };
  if (g.json) return print(g, value, '');
  if (o.text) return print(g, value, p.text);
  const lines = [headline, `purse ${p.purseId} seq ${p.seq}, ${amountText(p.cumulative, p.currency)} authorised in total`];
  if (o.png) lines.push(`payment QR written to ${o.png}`);
  else lines.push(await qrAnsi(p.text));
  print(g, value, lines.join('\n'));
}

/** What the unexpired purses can still pay, per currency (minor units never add across currencies). */
function totalsByCurrency(b: { currency: string; available: number; expired: boolean }[]): { currency: string; available: number }[] {
  const sums = new Map<string, number>();
  for (const x of b) if (!x.expired) sums.set(x.currency, (sums.get(x.currency) ?? 0) + x.available);
  return [...sums].map(([currency, available]) => ({ currency, available }));
}

function buildProgram(): Command {
  const program = new Command('tessera-wallet')
    .description(
      'The Tessera reference wallet. It holds a P-256 key (0600) and purses issued to it by a back office, and signs payments as QR codes. Each payment advances the purse sequence, which is saved durably BEFORE the code is shown, so a crash can never make the wallet reuse a sequence. Amounts you give are whole minor units; amounts printed for people are formatted in their currency (EUR 2.30), and --json keeps integer minor units with the currency code. Data lives in --home (default $TESSERA_WALLET_HOME or ~/.tessera-wallet).',
    )
    .addOption(new Option('--home <dir>', 'wallet data directory').env('TESSERA_WALLET_HOME').default(defaultWalletHome()))
    .option('--json', 'print machine-readable JSON instead of text')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError(false);

  program
    .command('create')
    .description('Create the wallet key pair and an empty wallet; prints the public key the back office issues purses to.')
    .action((_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const w = Wallet.create(g.home);
      print(g, { home: g.home, publicKey: w.publicKey }, `wallet created in ${g.home}\npublic key ${w.publicKey}`);
    });

  program
    .command('public-key')
    .description("Print the wallet's public key (hex, 33-byte compressed P-256).")
    .action((_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const w = Wallet.open(g.home);
      print(g, { publicKey: w.publicKey }, w.publicKey);
    });

  program
    .command('import-purse')
    .description('Import a purse file from `tessera-backoffice issue-purse`: verifies root → trust list → issuer → purse certificate, and that it names this wallet key.')
    .argument('<file>', 'purse file (JSON, tessera-purse/1)')
    .action((file: string, _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const w = Wallet.open(g.home);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new TesseraError('USAGE', `cannot read ${file}: ${(e as Error).message}`);
      }
      const b = w.importPurse(text);
      print(g, b, `purse ${b.purseId} imported: ${amountText(b.available, b.currency)} available, up to ${amountText(b.perPaymentLimit, b.currency)} per payment`);
    });

  program
    .command('balance')
    .description('What each purse can still pay offline: its cap minus everything authorised so far.')
    .action((_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const w = Wallet.open(g.home);
      const b = w.balances();
      print(
        g,
        { purses: b, available: b.filter((x) => !x.expired).reduce((s, x) => s + x.available, 0), totals: totalsByCurrency(b) },
        b.length ? b.map((x) => `${x.purseId}  ${amountText(x.available, x.currency)} of ${amountText(x.cap, x.currency)}  (seq ${x.seq}${x.expired ? ', expired' : ''})`).join('\n') : 'no purse',
      );
    });

  program
    .command('pay')
    .description(
      "Sign a payment and show it as a QR code (ANSI in the terminal, or --png FILE, or --text). Merchant: --request TEXT or --request-image PNG; the request and its terminal certificate are verified against the purse's trust list and the merchant's certified name is shown. Transit: --transit --operator OP [--line L] --max AMOUNT.",
    )
    .option('--request <text>', "the terminal's payment request (TQ1:…)")
    .option('--request-image <png>', 'a PNG holding the request QR code')
    .option('--transit', 'pay a transit validator: authorise up to --max for a short window')
    .option('--operator <id>', 'transit: the operator id')
    .option('--line <line>', 'transit: the line, or * for any line of the operator', '*')
    .option('--max <amount>', 'transit: the most a validator may charge', int('--max'))
    .option('--window <seconds>', 'transit: how long the code stays valid (≤ 300)', int('--window'), 60)
    .option('--purse <id>', 'pay from this purse')
    .option('--png <file>', 'write the payment QR code as a PNG')
    .option('--text', 'print the payment text (TP1:…) instead of a QR code')
    .action(async (o: { request?: string; requestImage?: string; transit?: boolean; operator?: string; line: string; max?: number; window: number; purse?: string; png?: string; text?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const w = Wallet.open(g.home);
      if (o.transit) {
        if (!o.operator || o.max === undefined) throw new TesseraError('USAGE', 'transit payments need --operator and --max');
        const p = await w.payTransit({ operator: o.operator, line: o.line, max: o.max, windowSeconds: o.window, ...(o.purse ? { purseId: o.purse } : {}) });
        return show(g, o, p, `transit: up to ${amountText(p.amount, p.currency)} to ${p.payee} (line ${o.line}), valid until ${isoSeconds(p.validUntil ?? 0)}`);
      }
      const request = o.request ?? (o.requestImage ? (await qr()).decodeQrPng(o.requestImage) : undefined);
      if (!request) throw new TesseraError('USAGE', 'give --request TEXT, --request-image PNG, or --transit');
      const p = await w.payMerchant(request, o.purse ? { purseId: o.purse } : {});
      return show(g, o, p, `pay ${amountText(p.amount, p.currency)} to ${p.merchant?.displayName ?? '?'} (merchant ${p.merchant?.merchantId ?? '?'}, terminal ${p.payee})`);
    });

  program
    .command('history')
    .description('Payments this wallet has signed (newest last).')
    .action((_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<Globals>();
      const w = Wallet.open(g.home);
      print(g, w.payments, w.payments.map((p) => `${isoSeconds(p.time)}  ${amountText(p.amount, p.currency)}  ${p.payeeName ?? p.payee}  seq ${p.seq}`).join('\n') || 'no payments');
    });

  return program;
}

await runCli(buildProgram(), 'tessera-wallet', process.argv);
