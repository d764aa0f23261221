// Journal integrity at clearing: tampered records, unknown terminals, gaps and forks are refused or held, never settled.
import t from 'tap';
import { KeySigner, decodeObject, encodeCbor, signObject, type JournalRecord } from '#protocol';
import { SimulatedTerminal } from './sim-terminal.js';
import { createWorld } from './test-world.js';
import { merchantAccount } from './ledger.js';
import { ledgerBackends } from '../test/support/postgres.js';

async function pay(w: Awaited<ReturnType<typeof createWorld>>, term: SimulatedTerminal, wallet: Awaited<ReturnType<Awaited<ReturnType<typeof createWorld>>['wallet']>>['wallet'], amount: number) {
  const p = await wallet.payMerchant(await term.requestPayment(amount, 'EUR'));
  const d = await term.accept(p.text);
  if (!d.approved) throw new Error(`not approved: ${d.reason}`);
  return p;
}

for (const backend of ledgerBackends(t)) t.test(`${backend.name}: tampered record, unknown terminal, gap and fork`, async (t) => {
  const w = await createWorld({ db: await backend.db() });
  t.teardown(() => w.close());
  const { wallet } = await w.wallet('bob');
  const cafe = await w.merchant('T-CAFE');
  await w.clearing();
  const client = await w.client('terminals');
  const balance = async () => (await w.bo.ledger.getAccount(merchantAccount('M-CAFE')))?.balance ?? 0;

  await t.test('a tampered record is refused', async (t) => {
    await pay(w, cafe, wallet, 100);
    const rec = cafe.journal[0] as Uint8Array;
    const bad = Uint8Array.from(rec);
    bad[bad.length - 70] = (bad[bad.length - 70] as number) ^ 1; // inside the payload or signature
    const ack = await cafe.sync(client, 10_000, encodeCbor([bad]));
    t.equal(ack.upTo, 0);
    t.equal(ack.results[0]?.status, 'rejected');
    t.equal(await balance(), 0, 'nothing settled');
    t.ok((await w.bo.ledger.incidents()).some((i) => i.kind === 'bad-record'));
    // The genuine record still settles.
    t.equal((await cafe.sync(client)).results[0]?.status, 'settled');
    t.equal(await balance(), 100);
  });

  await t.test('a record signed by an unknown terminal is refused', async (t) => {
    const rogue = new SimulatedTerminal('T-ROGUE', w.bo.trust);
    // A rogue holding a genuine certificate of another terminal's id but its own key.
    const forged = await signObject(
      'JOURNAL_RECORD',
      { ...(decodeObject('JOURNAL_RECORD', cafe.journal[0] as Uint8Array) as { ok: true; value: { value: JournalRecord } }).value.value, index: 2 },
      KeySigner.generate(),
    );
    const refused = await cafe.sync(client, 10_000, encodeCbor([forged]));
    t.equal(refused.results[0]?.status, 'rejected', 'a record not signed by the enrolled key is refused');
    t.equal(refused.upTo, 1);
    // A terminal that was never enrolled gets no ack; the attempt is reported.
    const before = (await w.bo.ledger.incidents()).length;
    await client.publishAsync('tessera/v1/terminals/T-ROGUE/journal', Buffer.from(encodeCbor([forged])), { qos: 1 });
    await waitFor(async () => (await w.bo.ledger.incidents()).some((i) => i.terminalId === rogue.terminalId && i.kind === 'unknown-terminal'));
    t.ok((await w.bo.ledger.incidents()).length > before);
    t.equal(await balance(), 100, 'nothing settled');
  });

  await t.test('a gap holds later records until the missing one arrives', async (t) => {
    await pay(w, cafe, wallet, 200); // index 2
    await pay(w, cafe, wallet, 300); // index 3
    const gap = await cafe.sync(client, 10_000, encodeCbor([cafe.journal[2] as Uint8Array]));
    t.equal(gap.upTo, 1, 'upTo stays below the gap');
    t.same(gap.results, [], 'the held record has no result yet');
    t.equal(await balance(), 100, 'the record after the gap is not settled');
    t.ok((await w.bo.ledger.incidents()).some((i) => i.kind === 'gap' && i.index === 3), 'the gap is reported');
    const filled = await cafe.sync(client, 10_000, encodeCbor([cafe.journal[1] as Uint8Array]));
    t.equal(filled.upTo, 3, 'the held record is cleared once the chain is whole');
    t.same(filled.results.map((r) => r.status), ['settled', 'settled']);
    t.equal(await balance(), 600);
  });

  await t.test('a fork (another record at a recorded index) is reported, not settled', async (t) => {
    const orig = (decodeObject('JOURNAL_RECORD', cafe.journal[2] as Uint8Array) as { ok: true; value: { value: JournalRecord } }).value.value;
    const fork = await signObject('JOURNAL_RECORD', { ...orig, amountCharged: orig.amountCharged - 1 }, cafe.key);
    const ack = await cafe.sync(client, 10_000, encodeCbor([fork]));
    t.equal(ack.results[0]?.status, 'rejected');
    t.match(ack.results[0]?.reason, /fork/);
    t.ok((await w.bo.ledger.incidents()).some((i) => i.kind === 'fork'));
    t.equal(await balance(), 600);
    t.equal((await w.bo.report()).trialBalance, 0);
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
