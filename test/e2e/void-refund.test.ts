// The register's void and refund end to end: a `tessera daemon` child (pty scanner), real mosquitto, the back office's clearing settling them as refunds.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { merchantAccount } from '#backoffice';
import { createFaultRig, DaemonChild, tessera, until } from '../faults/harness.js';

const BO_CLI = fileURLToPath(new URL('../../backoffice/cli/main.js', import.meta.url));

function backoffice(home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BO_CLI, ...args], { timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '', TESSERA_BACKOFFICE_HOME: home } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

interface Adjustment {
  txId: string;
  kind: string;
  originalTxId: string;
  amount: number;
  remaining: number;
}

t.test('pay, void before sync, refund part, sync: the back office pays the customer back; a void after the ack and an over-refund are refused', { timeout: 170_000 }, async (t) => {
  const rig = await createFaultRig({ terminalId: 'T-REFUND', wallets: 1, clearing: false });
  t.teardown(() => rig.close());
  const d = new DaemonChild(rig);
  t.teardown(() => d.kill());
  await d.ready();
  const C = ['--config', rig.configPath];
  const pay = async (): Promise<string> => {
    const p = await rig.pay();
    await rig.scanner.present(p.text);
    const row = await until(() => rig.api.call<{ decision: string; reason: string | null }>('GET', `/v1/transactions/${p.txId}`).catch(() => undefined), 15_000, 'the ride in the journal');
    if (row.decision !== 'approved') throw new Error(`declined: ${row.reason ?? ''}`);
    return p.txId;
  };
  // Three rides of 1.80 while the back office is away.
  const [ride1, ride2, ride3] = [await pay(), await pay(), await pay()];

  // The register voids ride 1 (not yet synced) and refunds 1.00 of ride 2, through the CLI.
  const v = await tessera(['void', ride1!, '--reason', 'double tap', '--json', ...C]);
  t.equal(v.code, 0, v.stderr);
  const voided = JSON.parse(v.stdout) as Adjustment;
  t.match(voided, { kind: 'void', originalTxId: ride1, amount: 180, remaining: 0 });
  const r = await tessera(['refund', ride2!, '1.00', '--reference', 'TICKET-9', ...C]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^Refunded EUR 1\.00 of [0-9a-f]{16} .*EUR 0\.80 left to refund/, 'human text by default');
  const twice = await tessera(['void', ride1!, '--json', ...C]);
  t.equal(twice.code, 1, 'voiding twice fails');
  t.match(JSON.parse(twice.stdout), { error: { code: 'ALREADY_VOIDED' } });

  // The back office comes back: everything syncs and is acknowledged.
  await rig.startClearing();
  const synced = await tessera(['sync', '--wait', '--timeout', '60', ...C], 70_000);
  t.equal(synced.code, 0, synced.stderr);

  // Ride 3 is the back office's now: a void is refused with a specific code, a refund is not.
  const late = await tessera(['void', ...C]); // the latest approved payment: ride 3
  t.equal(late.code, 1);
  t.match(late.stderr, /VOID_TOO_LATE/);
  const over = await tessera(['refund', ride2!, '0.81', ...C]);
  t.equal(over.code, 1, 'more than is left of ride 2');
  t.match(over.stderr, /REFUND_EXCEEDS_PAYMENT/);
  const full = await tessera(['refund', ride3!, '180', '--minor', '--json', ...C]);
  t.equal(full.code, 0, full.stderr);
  t.equal((await tessera(['sync', '--wait', '--timeout', '60', ...C], 70_000)).code, 0);

  // Settled as merchant → customer transfers: what the operator's CLI shows for each ride.
  const home = rig.bo.paths.home;
  const show = async (txId: string): Promise<{ refunded: { amount: number }; refunds: { amount: { amount: number }; source: string; terminalId: string; reason: string }[] }> => {
    const out = await backoffice(home, ['tx', 'show', txId, '--json']);
    t.equal(out.code, 0, out.stderr);
    return JSON.parse(out.stdout) as never;
  };
  t.match(await show(ride1!), { refunded: { amount: 180 }, refunds: [{ amount: { amount: 180 }, source: 'terminal', terminalId: 'T-REFUND', reason: /^void at T-REFUND#4: double tap/ }] });
  t.match(await show(ride2!), { refunded: { amount: 100 }, refunds: [{ amount: { amount: 100 }, reason: /^refund at T-REFUND#5 \(ref TICKET-9\)/ }] });
  t.match(await show(ride3!), { refunded: { amount: 180 } });
  t.equal((await rig.bo.ledger.getAccount(merchantAccount('OP-METRO')))?.balance, 3 * 180 - 180 - 100 - 180, 'the operator paid back what the register gave back');
  const text = await backoffice(home, ['tx', 'show', ride2!]);
  t.match(text.stdout, /refund .*T-REFUND#5/, 'the human view lists the refund');

  // A declined ride (another operator's code) took nothing: neither voided nor refunded.
  const foreign = await rig.wallets[0]!.payTransit({ operator: 'OP-OTHER', line: 'L1', max: 200 });
  await rig.scanner.present(foreign.text);
  // Read back from the journal itself (the decision stream is for the display; the journal is the record).
  const declined = await until(() => rig.api.call<{ decision: string; reason: string }>('GET', `/v1/transactions/${foreign.txId}`).catch(() => undefined), 15_000, 'the decline in the journal');
  t.match(declined, { decision: 'declined', reason: 'WRONG_PAYEE' });
  const refusedRefund = await tessera(['refund', foreign.txId, '1.00', ...C]);
  t.equal(refusedRefund.code, 1);
  t.match(refusedRefund.stderr, /NOT_ADJUSTABLE/);
  const refusedVoid = await tessera(['void', foreign.txId, '--json', ...C]);
  t.equal(refusedVoid.code, 1);
  t.match(JSON.parse(refusedVoid.stdout), { error: { code: 'NOT_ADJUSTABLE' } });
  const unknown = await tessera(['void', 'ab'.repeat(32), ...C]);
  t.match(unknown, { code: 1, stderr: /PAYMENT_NOT_FOUND/ });

  // The terminal's journal: payments, the void and refunds, the decline, all verified.
  const list = JSON.parse((await tessera(['tx', 'list', '--json', ...C])).stdout) as { transactions: { kind: string; decision: string }[] };
  t.same(list.transactions.map((x) => `${x.kind}:${x.decision}`), ['payment:declined', 'refund:approved', 'refund:approved', 'void:approved', 'payment:approved', 'payment:approved', 'payment:approved']);
  t.match((await tessera(['tx', 'list', ...C])).stdout, /\n5\s+\S+\s+refund\s+−EUR 1\.00\s+of [0-9a-f]{16}/, 'the human list shows what a refund gave back');
  // The day's Z-report takes the void and the refunds off the net (locale.timeZone is UTC here).
  const day = (JSON.parse((await tessera(['tx', 'show', '1', '--json', ...C])).stdout) as { time: string }).time.slice(0, 10);
  const z = JSON.parse((await tessera(['z-report', '--date', day, '--json', ...C])).stdout) as { currencies: unknown[] };
  t.match(z.currencies, [{ currency: 'EUR', approved: { count: 3, amount: 540 }, adjustments: { void: { count: 1, amount: 180 }, refund: { count: 2, amount: 280 } }, net: 80 }]);
  t.match((await tessera(['z-report', '--date', day, ...C])).stdout, /^Voids \(1\) +-EUR 1\.80$[\s\S]*^Refunds \(2\) +-EUR 2\.80$[\s\S]*^NET +EUR 0\.80$/m);
  const verify = await tessera(['verify-journal', '--json', ...C]);
  t.equal(verify.code, 0, verify.stderr);
  t.match(JSON.parse(verify.stdout), { ok: true, records: 7 });
  const audit = await rig.bo.ledger.audit();
  t.ok(audit.ok, 'the ledger audit holds');
});
