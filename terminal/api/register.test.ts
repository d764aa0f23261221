import t from 'tap';
import { TcpPrinterEmulator, encodeReport, renderEscPos } from '#drivers';
import { createTerminalWorld } from '../daemon/testing.js';
import { driverDeviceFactory } from '../daemon/driver-devices.js';
import { createProgram } from '../cli/program.js';
import { ApiClient } from './client.js';
import type { PaymentState } from '../checkout/types.js';
import type { TransactionJson } from './transactions.js';
import type { ZReport } from '../reports/z-report.js';

const MIN = 60_000;

t.test("the register's flows on a real printer emulator: reference on the receipt, search by reference and time, a reprint that says the printer failed", async (t) => {
  const printer = new TcpPrinterEmulator();
  const port = await printer.start();
  t.teardown(() => printer.stop());
  const tw = await createTerminalWorld({ config: { devices: { printer: { type: 'tcp', host: '127.0.0.1', port, statusTimeoutMs: 500 } } } });
  t.teardown(() => tw.cleanup());
  const d = tw.daemon({ devices: { scanner: async () => tw.scanner, display: async () => tw.display, printer: driverDeviceFactory().printer! } });
  await d.start();
  t.teardown(() => d.stop());
  const sock = tw.config.api.socket;
  const api = new ApiClient({ socketPath: sock }, 10_000);
  const purse = await tw.world.purse();

  const pay = async (amount: number, reference: string, seq: number, cumulative: number): Promise<{ txId: string; at: number }> => {
    const p = await api.call<PaymentState>('POST', '/v1/payments', { amount, reference });
    const dec = await tw.scan(d, await tw.merchantPayment(d, purse, { amount, seq, cumulative }));
    t.equal(dec.outcome, 'approved');
    const deadline = Date.now() + 10_000;
    let s = await api.call<PaymentState>('GET', `/v1/payments/${p.id}`);
    while (s.receipt?.status === 'printing' && Date.now() < deadline) s = await api.call<PaymentState>('GET', `/v1/payments/${p.id}`);
    t.equal(s.receipt?.status, 'printed');
    return { txId: dec.txId as string, at: tw.clock.now() };
  };
  const t0 = tw.clock.now();
  const a = await pay(450, 'ECR-1001', 1, 450);
  t.ok(printer.bytes().includes(Buffer.from('ECR-1001')), 'the reference is in the ESC/POS bytes the printer got');
  t.ok(printer.render().lines.some((l) => /^Reference +ECR-1001$/.test(l)), 'and prints as its own line');
  tw.clock.advance(30 * MIN);
  const b = await pay(200, 'ECR-1002', 2, 650);
  tw.clock.advance(30 * MIN);
  const c = await pay(300, 'ECR-1001', 3, 950);

  type List = { transactions: TransactionJson[] };
  const byRef = await api.call<List>('GET', '/v1/transactions?reference=ECR-1001');
  t.same(byRef.transactions.map((r) => r.txId), [c.txId, a.txId], 'both payments with that reference, newest first, not the other one');
  t.same((await api.call<List>('GET', '/v1/transactions?reference=ECR-9999')).transactions, [], 'an unknown reference finds nothing');
  const iso = (ms: number): string => new Date(ms).toISOString();
  const window = await api.call<List>('GET', `/v1/transactions?from=${encodeURIComponent(iso(t0 + 10 * MIN))}&to=${t0 + 50 * MIN}&order=asc`);
  t.same(window.transactions.map((r) => r.txId), [b.txId], 'the time range [from, to) holds only the middle payment');
  const offset = new Date(a.at).toISOString().replace('Z', '+00:00');
  t.same((await api.call<List>('GET', `/v1/transactions?from=${encodeURIComponent(offset)}&to=${b.at}`)).transactions.map((r) => r.txId), [a.txId], 'from is inclusive, to exclusive; offsets accepted');
  t.same((await api.call<List>('GET', `/v1/transactions?reference=ECR-1001&from=${t0 + MIN}`)).transactions.map((r) => r.txId), [c.txId], 'filters combine');
  for (const bad of ['from=yesterday', 'from=2026-12-05', 'from=2026-02-30T10:00:00Z', 'from=2026-12-05T10:00:00', `from=${t0 + MIN}&to=${t0}`]) {
    await t.rejects(api.call('GET', `/v1/transactions?${bad}`), { code: 'API_BAD_REQUEST', message: /from/ }, bad);
  }
  const lines: string[] = [];
  const cli = createProgram({ stdout: (s) => void lines.push(s), stderr: (s) => void lines.push(s) });
  t.equal(await cli.run(['node', 'tessera', 'transactions', '--reference', 'ECR-1002', '--socket', sock]), 0);
  t.match(lines.join(''), /ECR-1002/);
  t.notMatch(lines.join(''), /ECR-1001/, 'the CLI search passes the reference on');

  // The printer runs out of paper: the reprint is refused with the printer's state, and the CLI fails.
  printer.set({ paperOut: true });
  const failed = await api.call('POST', '/v1/reprint', { txId: a.txId }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.match(failed, { code: 'PRINTER_UNAVAILABLE', message: /not printed: PRINTER_PAPER_OUT/, details: { status: 503, answer: { txId: a.txId, receipt: { status: 'failed', code: 'PRINTER_PAPER_OUT', qrText: /^TR1:/ }, printer: { paper: 'out' } } } });
  const errs: string[] = [];
  const code = await createProgram({ stdout: () => undefined, stderr: (s) => void errs.push(s) }).run(['node', 'tessera', 'reprint', a.txId, '--socket', sock]);
  t.equal(code, 1, 'tessera reprint exits non-zero');
  t.match(errs.join(''), /PRINTER_UNAVAILABLE: .*PRINTER_PAPER_OUT/);
  await t.rejects(api.call('POST', '/v1/reports/z/print', {}), { code: 'PRINTER_UNAVAILABLE', message: /Z-report 2027-01-15 not printed: PRINTER_PAPER_OUT/, details: { status: 503 } });
  printer.set({ paperOut: false });
  t.match(await api.call('POST', '/v1/reprint', { txId: a.txId }), { receipt: { status: 'printed' } }, 'paper back: the copy prints');

  // The Z-report of the day (UTC here), printed by the real driver on the emulated printer.
  const before = printer.bytes().length;
  t.match(await api.call('POST', '/v1/reports/z/print', { date: '2027-01-15' }), { printed: true, report: { date: '2027-01-15', records: 3 } });
  const slip = renderEscPos(printer.bytes().subarray(before), 576).lines.join('\n');
  t.match(slip, /Z REPORT 2027-01-15/);
  t.match(slip, /Approved \(3\) +EUR 9\.50/);
  t.match(slip, /NET +EUR 9\.50/);
  t.match(slip, /First #1 +08:00:00/);
});

t.test('Z-report over the API and the CLI in the merchant time zone (Los Angeles): the local day, not the UTC one', async (t) => {
  // 07:15 UTC on 15 January 2027 is 23:15 on the 14th in Los Angeles.
  const tw = await createTerminalWorld({ now: 1_800_000_000 - 45 * 60, config: { locale: { language: 'es', timeZone: 'America/Los_Angeles' } } });
  t.teardown(() => tw.cleanup());
  const d = tw.daemon();
  await d.start();
  t.teardown(() => d.stop());
  const sock = tw.config.api.socket;
  const api = new ApiClient({ socketPath: sock }, 10_000);
  const purse = await tw.world.purse();
  for (const [i, amount] of [700, 200, 300].entries()) {
    await api.call('POST', '/v1/payments', { amount });
    t.equal((await tw.scan(d, await tw.merchantPayment(d, purse, { amount, seq: i + 1, cumulative: [700, 900, 1200][i] }))).outcome, 'approved');
    tw.clock.advance(30 * MIN); // 23:15, 23:45, then 00:15 on the 15th
  }
  await api.call('POST', '/v1/payments', { amount: 100 });
  t.match(await tw.scan(d, await tw.merchantPayment(d, purse, { amount: 50, seq: 4, cumulative: 1250 })), { outcome: 'declined', reason: 'AMOUNT_MISMATCH' }, 'a journaled decline');

  const today = await api.call<ZReport>('GET', '/v1/reports/z');
  t.match(today, { date: '2027-01-15', timeZone: 'America/Los_Angeles', from: '2027-01-15T08:00:00.000Z', records: 2, declinedWithoutCurrency: 0, currencies: [{ currency: 'EUR', approved: { count: 1, amount: 300 }, declined: { count: 1, amount: 50 }, net: 300 }], first: { index: 3 }, last: { index: 4 } });
  const yesterday = await api.call<ZReport>('GET', '/v1/reports/z?date=2027-01-14');
  t.match(yesterday, { records: 2, currencies: [{ currency: 'EUR', approved: { count: 2, amount: 900 } }], first: { index: 1 }, last: { index: 2 } });
  await t.rejects(api.call('GET', '/v1/reports/z?date=2027-02-30'), { code: 'USAGE', details: { status: 400 } });
  await t.rejects(api.call('GET', '/v1/reports/z?day=2027-01-14'), { code: 'API_BAD_REQUEST', message: /unknown query parameter "day"/ });

  t.match(await api.call('POST', '/v1/reports/z/print', { date: '2027-01-14' }), { printed: true });
  const slip = tw.printer.reports[0]!;
  t.match(slip, { title: 'INFORME Z 2027-01-14', timeZone: 'America/Los_Angeles', language: 'es' });
  t.match(renderEscPos(encodeReport(slip), 576).lines.join('\n'), /Aprobados \(2\) +9,00 EUR/);

  const out: string[] = [];
  const err: string[] = [];
  const cli = createProgram({ stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env: { TESSERA_CONFIG: tw.configPath } });
  t.equal(await cli.run(['node', 'tessera', 'z-report', '--date', '2027-01-14', '--socket', sock]), 0);
  t.match(out.join(''), /Z-report 2027-01-14 \(America\/Los_Angeles.*\n.*Terminal +T-0001[\s\S]*Aprobados \(2\) +9,00 EUR/, 'human text, labels in the merchant language');
  out.length = 0;
  t.equal(await cli.run(['node', 'tessera', 'z-report', '--json', '--socket', sock]), 0);
  t.match(JSON.parse(out.join('')), { date: '2027-01-15', records: 2 });
  tw.printer.failWith = { code: 'PRINTER_COVER_OPEN', message: 'cover open' };
  t.equal(await cli.run(['node', 'tessera', 'z-report', '--print', '--socket', sock]), 1, 'z-report --print fails when nothing printed');
  t.match(err.join(''), /PRINTER_UNAVAILABLE: Z-report 2027-01-15 not printed: PRINTER_COVER_OPEN/);
});
