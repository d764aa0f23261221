// Two clearing processes' worth of state (two ledger connections) on one shared subscription: no double settlement, on SQLite and PostgreSQL.
import t from 'tap';
import { BackOffice } from './backoffice.js';
import { ClearingService } from './service.js';
import { createWorld } from './test-world.js';
import { merchantAccount, purseAccount } from './ledger.js';
import { decodeObject, type Ack } from '#protocol';
import { ledgerBackends } from '../test/support/postgres.js';

for (const backend of ledgerBackends(t)) t.test(`${backend.name}: two clearing instances settle a mixed stream exactly once`, async (t) => {
  const w = await createWorld({ db: await backend.db() });
  t.teardown(() => w.close());
  const wallets = [await w.wallet('w1', 20_000, 1_000), await w.wallet('w2', 20_000, 1_000)];
  const terms = [await w.merchant('T-M1', 'M-ONE', 'One'), await w.merchant('T-M2', 'M-TWO', 'Two'), await w.validator('T-V1')];
  let expected = 0;
  let n = 0;
  for (let round = 0; round < 8; round++) {
    for (const [i, term] of terms.entries()) {
      const { wallet } = wallets[(round + i) % 2] as (typeof wallets)[number];
      const p = term.cert?.mode === 'transit' ? await wallet.payTransit({ operator: 'OP-METRO', max: 400 }) : await wallet.payMerchant(await term.requestPayment(10 + round, 'EUR'));
      const d = await term.accept(p.text);
      if (!d.approved) throw new Error(`declined: ${d.reason}`);
      expected += d.charged ?? 0;
      n++;
    }
  }

  // A second back office process view: its own ledger connection to the same file.
  const bo2 = await BackOffice.open(w.bo.paths.home, { db: w.db });
  t.teardown(() => bo2.close());
  const s1 = await w.clearing();
  const s2 = new ClearingService(bo2, { url: w.broker.url });
  await s2.start();
  t.teardown(() => s2.stop());
  const seen = { s1: 0, s2: 0 };
  s1.events.on('batch', () => seen.s1++);
  s2.events.on('batch', () => seen.s2++);

  // Every terminal sends its records in small batches, each twice (as after a lost ack), all at once.
  const client = await w.client('terminals');
  const acks = new Map<string, Ack[]>();
  client.on('message', (topic, p) => {
    const id = topic.split('/')[3] as string;
    const d = decodeObject('ACK', new Uint8Array(p));
    if (!d.ok) throw new Error(`ack is not a signed ACK object: ${d.reason}`);
    acks.set(id, [...(acks.get(id) ?? []), d.value.value]);
  });
  await client.subscribeAsync('tessera/v1/terminals/+/ack', { qos: 1 });
  let sent = 0;
  const pubs: Promise<unknown>[] = [];
  for (const term of terms) {
    for (let i = 0; i < term.journal.length; i += 2) {
      const payload = Buffer.from(term.batch(term.journal.slice(i, i + 2)));
      for (let k = 0; k < 2; k++) {
        pubs.push(client.publishAsync(`tessera/v1/terminals/${term.terminalId}/journal`, payload, { qos: 1 }));
        sent++;
      }
    }
  }
  await Promise.all(pubs);
  const deadline = Date.now() + 20_000;
  while ([...acks.values()].reduce((s, a) => s + a.length, 0) < sent) {
    if (Date.now() > deadline) throw new Error('not every batch was acked in time');
    await new Promise((r) => setTimeout(r, 25));
  }
  t.ok(seen.s1 > 0 && seen.s2 > 0, `the shared subscription spread the load (${seen.s1}/${seen.s2})`);
  for (const term of terms) {
    const upTo = Math.max(...(acks.get(term.terminalId) ?? []).map((a) => a.upTo));
    t.equal(upTo, term.journal.length, `${term.terminalId}: every record recorded`);
  }
  const settlements = await w.bo.ledger.settlements();
  t.equal(settlements.length, n, 'one settlement per payment');
  t.equal(new Set(settlements.map((s) => s.txId)).size, n);
  const merchants = await w.bo.ledger.merchantTotals();
  t.equal(merchants.reduce((s, m) => s + m.balance, 0), expected, 'merchants received exactly what terminals charged');
  let reserved = 0;
  for (const x of wallets) reserved += (await w.bo.ledger.getAccount(purseAccount(x.purseId)))?.balance ?? 0;
  t.equal(reserved, 40_000 - expected, 'purse reservations went down by exactly that');
  t.equal((await w.bo.ledger.getAccount(merchantAccount('OP-METRO')))?.balance, 8 * 180);
  t.same(await w.bo.ledger.fraudCases(), [], 'duplicates are not fraud');
  t.equal((await w.bo.report()).trialBalance, 0);
});
