// Money and language end to end: the CLI and the display agree on ISK/JOD, foreign currencies are refused, French screens and receipts.
import t from 'tap';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { renderEscPos, encodeReceipt, screenText } from '#drivers';
import { ApiClient, parseConfig, type PaymentState } from '#terminal';
import { createTerminalWorld } from '#terminal/testkit';

const CLI = join(process.cwd(), 'dist/terminal/cli/main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

for (const [currency, typed, minor, shown] of [
  ['ISK', '1000', 1000, 'ISK 1,000'],
  ['JOD', '2.5', 2500, 'JOD 2.500'],
] as const) {
  t.test(`charge ${typed} --currency ${currency}: the cashier's CLI and the customer's display say the same`, async (t) => {
    const tw = await createTerminalWorld({ config: { merchant: { currency } } });
    t.teardown(() => tw.cleanup());
    const d = tw.daemon();
    await d.start();
    t.teardown(() => d.stop());
    const sock = tw.config.api.socket;
    const r = await cli(['charge', typed, '--currency', currency, '--socket', sock]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, `open: ${shown} —`);
    const p = await new ApiClient({ socketPath: sock }).call<PaymentState>('GET', '/v1/payments/current');
    t.match(p, { amount: minor, currency });
    const screen = tw.display.last;
    t.equal(screen?.kind, 'request');
    t.equal(screenText(screen!).headline, shown, 'the display shows the amount the CLI printed');
  });
}

t.test('a terminal refuses a charge in a currency it is not configured for', async (t) => {
  const tw = await createTerminalWorld({ config: { merchant: { currency: 'EUR' } } });
  t.teardown(() => tw.cleanup());
  const d = tw.daemon();
  await d.start();
  t.teardown(() => d.stop());
  const sock = tw.config.api.socket;
  const api = new ApiClient({ socketPath: sock });
  await t.rejects(api.call('POST', '/v1/payments', { amount: 450, currency: 'USD' }), { code: 'CURRENCY_MISMATCH', details: { status: 400 } });
  await t.rejects(api.call('GET', '/v1/payments/current'), { code: 'PAYMENT_NOT_FOUND' }, 'no request was opened');
  const r = await cli(['charge', '4.50', '--currency', 'USD', '--json', '--socket', sock]);
  t.equal(r.code, 1);
  t.match(JSON.parse(r.stdout), { error: { code: 'CURRENCY_MISMATCH', message: /takes EUR only, not USD/ } });
  t.match(r.stderr, /CURRENCY_MISMATCH/);
  const bogus = await cli(['charge', '4.50', '--currency', 'ABC', '--socket', sock]);
  t.equal(bogus.code, 1);
  t.match(bogus.stderr, /not an ISO 4217 currency code/);
  t.match(await api.call<PaymentState>('POST', '/v1/payments', { amount: 450, currency: 'EUR' }), { status: 'pending', currency: 'EUR' }, 'its own currency is taken');
});

t.test('French terminal: screens and the receipt in French, the date in the merchant\'s time zone', async (t) => {
  const tw = await createTerminalWorld({ config: { merchant: { currency: 'EUR' }, locale: { language: 'fr', timeZone: 'Europe/Paris' } } });
  t.teardown(() => tw.cleanup());
  const d = tw.daemon();
  await d.start();
  t.teardown(() => d.stop());
  t.match(screenText(tw.display.last!), { headline: 'Café Tessera', lines: ['Prêt'] }, 'the resting screen');
  const api = new ApiClient({ socketPath: tw.config.api.socket });
  await api.call('POST', '/v1/payments', { amount: 2345, currency: 'EUR' });
  t.match(screenText(tw.display.last!), { headline: '23,45 EUR', lines: ['Café Tessera', 'Scannez pour payer'] });
  const purse = await tw.world.purse();
  const decision = await tw.scan(d, await tw.merchantPayment(d, purse));
  t.equal(decision.outcome, 'approved');
  const approved = tw.display.screens.find((s) => s.kind === 'approved');
  t.match(screenText(approved!), { headline: 'ACCEPTÉ', lines: ['23,45 EUR'] });
  for (let i = 0; i < 100 && tw.printer.receipts.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const receipt = tw.printer.receipts[0]!;
  t.match(receipt, { language: 'fr', timeZone: 'Europe/Paris' });
  const printed = renderEscPos(encodeReceipt(receipt, { paperWidth: 80 }), 576);
  t.ok(printed.lines.some((l) => /^MONTANT +23,45 EUR$/.test(l)), printed.lines.join('\n'));
  t.ok(printed.lines.includes('Reçu signé'));
  t.ok(printed.lines.includes('Merci'), 'the default footer speaks French too');
  const hour = new Intl.DateTimeFormat('fr', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(receipt.at);
  t.ok(printed.lines.some((l) => l.startsWith('Date') && l.includes(hour) && /UTC\+[12]$/.test(l)), 'Paris time, zone named');
});

t.test('config: currency, language and time zone are checked when the file is read', async (t) => {
  t.match(parseConfig({}), { merchant: { currency: 'EUR' }, locale: { language: 'en', timeZone: 'UTC' } }, 'defaults');
  t.throws(() => parseConfig({ merchant: { currency: 'XYZ' } }), { code: 'CONFIG_INVALID', details: { path: 'merchant.currency' } });
  t.throws(() => parseConfig({ locale: { timeZone: 'Mars/Olympus_Mons' } }), { code: 'CONFIG_INVALID', details: { path: 'locale.timeZone' } });
  t.throws(() => parseConfig({ locale: { language: 'tlh' } }), { code: 'CONFIG_INVALID', details: { path: 'locale.language' } });
  t.match(parseConfig({ merchant: { currency: 'ISK' }, locale: { language: 'es', timeZone: 'Atlantic/Reykjavik' } }), { merchant: { currency: 'ISK' }, locale: { language: 'es' } });
});
