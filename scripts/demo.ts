// `make demo`: a scripted day of offline payments on embedded defaults, with rendered screens, receipts and a report in demo-out/.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BackOffice, ClearingService, TerminalHealthMonitor, formatReport } from '#backoffice';
import type { TerminalConfigBody } from '#protocol';
import { formatAmount } from '#common';
import type { PaymentState } from '#terminal';
import { Wallet, decodeQrPng } from '#wallet';
import { ApiServer } from '../backoffice/api/index.js';
import { parseListen } from '../backoffice/cli/serve-command.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import { startTerminal, startUplink, waitFor, type Uplink } from './demo-world.js';
import { writeReport, type DayRow, type Picture } from './demo-report.js';
import { phoneUnavailable, startPhone, type DemoPhone } from './demo-phone.js';

interface Args {
  out: string;
  broker?: string;
  /** Keep the back office up afterwards with the dashboard (and the dev identity provider) on this address. */
  dashboard?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { out: resolve('demo-out') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--dashboard') {
      // An optional HOST:PORT; without one the dashboard listens on 127.0.0.1:8080.
      const listen = v !== undefined && !v.startsWith('--') ? v : undefined;
      args.dashboard = listen ?? '127.0.0.1:8080';
      parseListen(args.dashboard); // a bad address fails now, not after the day
      if (listen !== undefined) i++;
      continue;
    }
    if ((a === '--out' || a === '--broker') && (v === undefined || v.startsWith('--'))) throw new Error(`${a} needs a value`);
    if (a === '--out') args.out = resolve(v as string);
    else if (a === '--broker') args.broker = v as string;
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: node dist/scripts/demo.js [--out DIR] [--broker mqtt://HOST:PORT] [--dashboard [HOST:PORT]]\n  --out        where screens, receipts and report.md go (default ./demo-out)\n  --broker     run against an external broker (MQTT 5, shared subscription) instead of the embedded one\n  --dashboard  afterwards keep the back office running with the dashboard on HOST:PORT (default 127.0.0.1:8080)\n               and a development sign-in (seeded users printed); Ctrl-C ends it',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
    i++;
  }
  return args;
}

const BUS: TerminalConfigBody = { currency: 'EUR', operatorId: 'OP-CITYBUS', line: '42', utcOffsetMinutes: 0, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 180 }] };
const started = Date.now();
const eur = (n: number): string => formatAmount(n, 'EUR');

function step(text: string): void {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${text}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // The scanner is a real serial device path: a pty pair made by socat.
  if (spawnSync('socat', ['-V'], { stdio: 'ignore' }).error) throw new Error('socat is not installed (the emulated scanner needs a pty): run bash scripts/install-system-deps.sh');
  const work = mkdtempSync(join(tmpdir(), 'tessera-demo-'));
  mkdirSync(args.out, { recursive: true });
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rmSync(work, { recursive: true, force: true })];
  const pictures: Picture[] = [];
  const day: DayRow[] = [];
  const save = (name: string, png: Buffer, caption: string): void => {
    writeFileSync(join(args.out, name), png);
    pictures.push({ file: name, caption });
  };
  try {
    // ---- infrastructure: a broker (embedded aedes, or an external one behind a link we can cut)
    let broker: EmbeddedBroker | undefined;
    let uplink: Uplink | undefined;
    let terminalUrl: string;
    if (args.broker) {
      uplink = await startUplink(args.broker);
      cleanups.push(() => uplink?.close());
      terminalUrl = uplink.url;
      step(`broker: external ${args.broker} (MQTT 5, shared subscription); terminals reach it through a link the demo can cut`);
    } else {
      broker = await startEmbeddedBroker(0);
      cleanups.push(() => broker?.close());
      terminalUrl = broker.url;
      step(`broker: embedded aedes on ${broker.url} (MQTT 3.1.1, plain subscription)`);
    }
    const protocolVersion = args.broker ? 5 : 4;
    const clearingUrl = args.broker ?? terminalUrl;

    // ---- morning: the back office sets up the day
    const bo = await BackOffice.init(join(work, 'backoffice'));
    cleanups.push(() => bo.close());
    step(`back office: initialised (root, issuer and sealed keys; trust list v${bo.trustList.version})`);
    const sync = { brokerUrl: terminalUrl, protocolVersion } as const;
    const cafe = await startTerminal(bo, join(work, 'cafe'), 'T-CAFE-01', { mode: 'merchant', merchantId: 'M-LUMIERE', displayName: 'Café Lumière' }, sync);
    cleanups.push(() => cafe.stop());
    step(`back office: certified merchant terminal ${cafe.terminalId} "Café Lumière"; its daemon runs on a framebuffer, a pty scanner and a TCP printer`);
    const bus = await startTerminal(bo, join(work, 'bus'), 'T-BUS-42', { mode: 'transit', merchantId: BUS.operatorId, displayName: 'City Bus 42', config: BUS }, sync);
    cleanups.push(() => bus.stop());
    step(`back office: certified bus validator ${bus.terminalId} (line 42) with a signed fare config: flat fare ${eur(180)}`);

    // Ana pays with a phone: the wallet app in headless Chromium (the CLI wallet where there is no Chromium).
    let phone: DemoPhone | undefined;
    const noPhone = phoneUnavailable();
    if (noPhone) step(`phone: ${noPhone} — Ana pays with the CLI wallet instead`);
    else {
      await bo.createAccount('acct-ana', 'ana');
      await bo.fund('acct-ana', 10_000);
      const phoneDir = join(work, 'phone');
      mkdirSync(phoneDir, { recursive: true });
      try {
        const started = await startPhone(bo, phoneDir, 'acct-ana', '50.00', save);
        phone = started.phone;
        cleanups.push(() => phone?.close());
        step(`phone: Ana opened ${started.url}/wallet/ in Chromium (390×844), installed the app, signed in (code + PKCE), proved her key and got purse ${phone.purseId.slice(0, 8)}… of ${eur(5_000)}`);
      } catch (e) {
        step(`phone: Chromium did not start (${e instanceof Error ? e.message.split('\n')[0] : String(e)}) — Ana pays with the CLI wallet instead`);
      }
    }

    const wallets = new Map<string, { wallet: Wallet; purseId: string }>();
    for (const name of ['ana', 'ben', 'chloe', 'eve']) {
      if (name === 'ana' && phone) continue;
      const account = `acct-${name}`;
      if (!(await bo.ledger.getAccount(account))) {
        await bo.createAccount(account, name);
        await bo.fund(account, 10_000);
      }
      const wallet = Wallet.create(join(work, 'wallets', name));
      const issued = await bo.issuePurse({ account, walletKey: wallet.publicKey, cap: 5_000, perPaymentLimit: 2_000, days: 30 });
      wallet.importPurse(JSON.stringify(issued.file));
      wallets.set(name, { wallet, purseId: issued.purse.purseId });
      step(`back office: funded ${name} with ${eur(10_000)}, issued a purse of ${eur(5_000)} (${issued.purse.purseId.slice(0, 8)}…) into ${name}'s wallet`);
    }
    const who = (name: string) => wallets.get(name) as { wallet: Wallet; purseId: string };

    // ---- the broker goes down
    if (broker) await broker.stop();
    else await uplink?.cut();
    step('broker: DOWN — from now on both terminals decide offline');

    /** Who pays: a CLI wallet reading the request from the screen's PNG, or the phone scanning it with its camera. */
    type Payer = (requestText: string, reference: string) => Promise<{ text: string; seq: number; how: string }>;
    const cliPayer = (name: string, wallet: Wallet): Payer => async (text) => {
      const p = await wallet.payMerchant(text);
      return { text: p.text, seq: p.seq, how: `${name}'s wallet read it from the PNG, verified "${p.merchant?.displayName}" and signed seq ${p.seq}` };
    };
    const phonePayer = (ph: DemoPhone): Payer => async (_text, reference) => {
      const p = await ph.pay(cafe, reference);
      return { text: p.text, seq: p.seq, how: `Ana's phone (offline) scanned it with its camera, showed "${p.merchant}" ${p.amount}, Ana confirmed; seq ${p.seq} committed, then its QR read off the phone's screen` };
    };

    const pay = async (name: string, payer: Payer, amount: number, reference: string): Promise<void> => {
      const req = await cafe.api.call<PaymentState>('POST', '/v1/payments', { amount, reference });
      // The wallet reads the request from what the panel shows, not from the API.
      const shotPath = join(args.out, `cafe-request-${reference}.png`);
      const text = await waitFor('the request QR on the framebuffer', () => {
        const png = cafe.screen();
        writeFileSync(shotPath, png);
        try {
          return decodeQrPng(shotPath);
        } catch {
          return undefined;
        }
      }, 5_000, 50);
      if (text !== req.requestQr) throw new Error('the QR on the screen is not the open request');
      pictures.push({ file: `cafe-request-${reference}.png`, caption: `Café screen: request ${reference} for ${eur(amount)}` });
      const p = await payer(text, reference);
      step(`café: charge ${eur(amount)} (${reference}) → QR on the framebuffer → ${p.how}`);
      const d = await cafe.present(p.text);
      if (d.outcome !== 'approved') throw new Error(`café declined ${name}: ${d.reason} ${d.detail ?? ''}`);
      const done = await waitFor('the receipt', async () => {
        const s = await cafe.api.call<PaymentState>('GET', `/v1/payments/${req.id}`);
        return s.receipt && s.receipt.status !== 'printing' ? s : undefined;
      });
      await new Promise((r) => setTimeout(r, 100));
      save(`cafe-approved-${reference}.png`, cafe.screen(), `Café screen: ${reference} approved`);
      const receipt = cafe.printer!.render();
      cafe.printer!.clear();
      save(`receipt-${reference}.png`, receipt.png, `Receipt ${reference} (${done.receipt?.status})`);
      day.push({ terminal: cafe.terminalId, who: name, what: reference, amount, outcome: 'approved', txId: d.txId ?? '', seq: p.seq });
      step(`café: APPROVED offline in ${d.latencyMs.toFixed(1)} ms (journal #${d.journalIndex}), receipt ${done.receipt?.status}, remaining ${eur(d.remaining ?? 0)}`);
    };

    type Tapper = () => Promise<{ text: string; seq: number }>;
    const cliTap = (wallet: Wallet): Tapper => () => wallet.payTransit({ operator: BUS.operatorId, line: '42', max: 250 });
    const tap = async (name: string, tapper: Tapper, label = name, shot?: string): Promise<string | undefined> => {
      const p = await tapper();
      const d = await bus.present(p.text);
      await new Promise((r) => setTimeout(r, 100));
      if (shot) save(shot, bus.screen(), `Bus validator: ${label} ${d.outcome}${d.reason ? ` (${d.reason})` : ''}`);
      day.push({ terminal: bus.terminalId, who: label, what: 'ride', amount: d.outcome === 'approved' ? (d.amount ?? 0) : 0, outcome: d.outcome === 'approved' ? 'approved' : `${d.outcome} ${d.reason ?? ''}`.trim(), txId: d.txId ?? '', seq: p.seq });
      step(`bus: ${label} taps (seq ${p.seq}, up to ${eur(250)}) → ${d.outcome.toUpperCase()}${d.reason ? ` ${d.reason}` : ''}${d.outcome === 'approved' ? ` offline, fare ${eur(d.amount ?? 0)}` : ''}`);
      return d.outcome === 'approved' ? undefined : d.reason;
    };

    // ---- the day, offline
    if (phone) {
      const ph = phone;
      await pay('ana (phone)', phonePayer(ph), 340, 'INV-1');
      await tap('ana', () => ph.transit(BUS.operatorId, '42', '2.50'), 'ana (phone)', 'bus-approved.png');
    } else {
      await pay('ana', cliPayer('ana', who('ana').wallet), 340, 'INV-1');
      await tap('ana', cliTap(who('ana').wallet), 'ana', 'bus-approved.png');
    }
    await pay('ben', cliPayer('ben', who('ben').wallet), 420, 'INV-2');
    await tap('chloe', cliTap(who('chloe').wallet));
    await tap('ben', cliTap(who('ben').wallet));

    // Eve keeps a copy of her wallet, pays at the café, then pays the same sequence again on the bus from the copy.
    const eve = who('eve');
    const copy = join(work, 'wallets', 'eve-copy');
    cpSync(eve.wallet.home, copy, { recursive: true });
    step(`eve: copies her wallet home before paying (the same purse, the same next sequence number)`);
    await pay('eve', cliPayer('eve', eve.wallet), 280, 'INV-3');
    const restored = Wallet.open(copy);
    await tap('eve', cliTap(restored), 'eve (restored copy)');
    step('eve: spent sequence 1 twice, at two terminals that cannot see each other — both approved offline');

    // ---- the broker comes back; clearing starts; the terminals drain
    if (broker) await broker.start();
    else await uplink?.restore();
    step('broker: back UP');
    const clearing = new ClearingService(bo, { url: clearingUrl, shared: Boolean(args.broker), protocolVersion });
    await clearing.start();
    cleanups.push(() => clearing.stop());
    const deny = new Promise<number>((r) => clearing.events.on('denylist', (e) => r(e.version)));
    step(`clearing: subscribed to every terminal's journal${args.broker ? ' (shared subscription $share/clearing/…)' : ''}`);
    for (const t of [cafe, bus]) {
      const before = t.daemon.status().journal.backlog;
      await t.api.call('POST', '/v1/sync', { wait: true, timeoutMs: 20_000 });
      step(`${t.terminalId}: drained ${before} journal record(s); backlog ${t.daemon.status().journal.backlog}`);
    }
    const frauds = await waitFor('the fraud case', async () => {
      const f = await bo.ledger.fraudCases();
      return f.length > 0 ? f : undefined;
    });
    for (const f of frauds) step(`clearing: FRAUD ${f.kind} on purse ${f.purseId.slice(0, 8)}… — ${f.detail} (${f.terminalId}#${f.index})`);
    const version = await Promise.race([deny, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no deny list published')), 10_000))]);
    step(`clearing: deny list v${version} published (retained) with purse ${eve.purseId.slice(0, 8)}…`);
    const evePurse = Buffer.from(eve.purseId, 'hex');
    await waitFor('the deny list at the validator', () => (bus.daemon.store?.isDenied(evePurse) ? true : undefined), 15_000);
    step(`${bus.terminalId}: received deny list v${bus.daemon.status().fleet.denylist?.version ?? '?'} over MQTT`);
    const refused = await tap('eve', cliTap(eve.wallet), 'eve', 'bus-revoked.png');
    if (refused !== 'REVOKED') throw new Error(`the validator should have refused eve's purse, got ${refused ?? 'approved'}`);
    if (phone) step(`phone: back online, the app reconciled on opening: ${await phone.settled()}`);

    // ---- the count: terminals' journals against the ledger
    const settlements = await bo.ledger.settlements();
    const fraudCases = await bo.ledger.fraudCases();
    const settled = new Map(settlements.map((s) => [s.txId, s]));
    const flagged = new Set(fraudCases.map((f) => f.secondTxId));
    let approved = 0;
    let synced = 0;
    let lost = 0;
    for (const t of [cafe, bus]) {
      const acked = t.daemon.status().journal.ackedUpTo;
      const { transactions } = await t.api.call<{ transactions: { index: number; txId: string }[] }>('GET', '/v1/transactions?approved=true&limit=1000');
      for (const tx of transactions) {
        approved++;
        if (tx.index <= acked) synced++;
        if (!settled.has(tx.txId) && !flagged.has(tx.txId)) lost++;
      }
    }
    for (const r of day) r.backOffice = settled.has(r.txId) ? 'settled' : flagged.has(r.txId) ? 'fraud (double spend)' : r.outcome === 'approved' ? 'LOST' : '—';
    const T = day.filter((r) => r.backOffice === 'settled').length;
    const F = fraudCases.filter((f) => f.kind === 'double-spend').length;
    const report = await bo.report();
    const line = `demo: ${approved} approved offline, ${synced} synced, ${T} settled, ${lost} lost, ${F} double-spends caught`;
    writeReport(join(args.out, 'report.md'), { day, pictures, ledger: formatReport(report), line, broker: args.broker ?? 'embedded aedes (in-process)' });
    step(`report: ${join(args.out, 'report.md')} with ${pictures.length} pictures`);
    if (args.dashboard) {
      console.log(line);
      await showDashboard(bo, args.dashboard, clearingUrl, protocolVersion);
      await runCleanups(cleanups);
      return;
    }
    step('dashboard: `make demo DEMO_ARGS=--dashboard` keeps this day running and prints the dashboard URL and a login');
    await runCleanups(cleanups);
    console.log(line);
  } catch (e) {
    await runCleanups(cleanups);
    throw e;
  }
}

/** Serves the day's back office with the dashboard and the development sign-in until Ctrl-C (or SIGTERM). */
async function showDashboard(bo: BackOffice, listen: string, brokerUrl: string, protocolVersion: 4 | 5): Promise<void> {
  const { host, port } = parseListen(listen);
  // Terminals' health from their retained statuses, as `serve --broker` reads it.
  const health = new TerminalHealthMonitor({ url: brokerUrl, protocolVersion, now: () => bo.now() });
  await health.start();
  const server = new ApiServer({ backOffice: bo, host, port, devIdp: { merchantId: 'M-LUMIERE', accountId: 'acct-ana' }, broker: { url: brokerUrl, protocolVersion }, terminalHealth: health });
  const started = await server.start();
  const login = (name: string) => started.devUsers.find((u) => u.username === name);
  console.log(`dashboard: ${started.url}/dashboard/`);
  for (const name of ['operator', 'merchant']) console.log(`  sign in as ${name} / ${login(name)?.password ?? '?'}${name === 'operator' ? '  (Fraud cases: the double spend)' : '  (Café Lumière)'}`);
  console.log('  development sign-in only; Ctrl-C stops the back office and the terminals');
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.stop();
  await health.stop();
}

async function runCleanups(cleanups: (() => Promise<unknown> | unknown)[]): Promise<void> {
  while (cleanups.length) {
    const c = cleanups.pop() as () => Promise<unknown> | unknown;
    try {
      await c();
    } catch {
      // best effort: the demo is over
    }
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
