// A flood of bad records is bounded: one incident row per kind per batch, and a per-terminal cap per window.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { ManualClock } from '#common';
import { KeySigner, decodeObject, encodeCbor, signObject, topics, type JournalRecord } from '#protocol';
import { INCIDENT_CAP, INCIDENT_WINDOW } from './incidents.js';
import { formatReport } from './report.js';
import { createWorld, waitFor } from './test-world.js';
import { ledgerBackends } from '../test/support/postgres.js';

/** One PostgreSQL server for the file (a fresh database per test). */
const backends = ledgerBackends(t);


for (const backend of backends) t.test(`${backend.name}: one message of 5,000 garbage records writes one incident row that counts them`, async (t) => {
  const w = await createWorld({ db: await backend.db() });
  t.teardown(() => w.close());
  const term = await w.merchant('T-FLOOD');
  await w.clearing();
  const client = await w.client('flooder');
  const garbage = Array.from({ length: 5_000 }, () => new Uint8Array(randomBytes(24)));
  await client.publishAsync(topics.journal('T-FLOOD'), Buffer.from(encodeCbor(garbage)), { qos: 1 });
  await waitFor(async () => (await w.bo.ledger.incidents()).some((i) => i.terminalId === 'T-FLOOD'));
  const rows = (await w.bo.ledger.incidents()).filter((i) => i.terminalId === 'T-FLOOD');
  t.equal(rows.length, 1, 'one row for the whole batch');
  t.match(rows[0], { kind: 'bad-record', count: 5_000, index: null });
  const report = await w.bo.report();
  t.match(formatReport(report), /T-FLOOD\s+-\s+5000\s+bad-record/, 'the report shows how many records the row stands for');

  // Records that parse but are signed by another key carry their claimed indexes: the row keeps the range.
  const { wallet } = await w.wallet('eve');
  const d = await term.accept((await wallet.payMerchant(await term.requestPayment(100, 'EUR'))).text);
  t.ok(d.approved);
  const genuine = (decodeObject('JOURNAL_RECORD', term.journal[0] as Uint8Array) as { ok: true; value: { value: JournalRecord } }).value.value;
  const rogue = KeySigner.generate();
  const forged = await Promise.all(Array.from({ length: 5_000 }, (_, i) => signObject('JOURNAL_RECORD', { ...genuine, index: i + 1 }, rogue)));
  const r = await w.bo.clearing.processBatch('T-FLOOD', encodeCbor(forged));
  t.equal(r.ack.results.length, 5_000, 'every refused record is still answered in the ack');
  t.ok(r.ack.results.every((x) => x.status === 'rejected'));
  const after = (await w.bo.ledger.incidents()).filter((i) => i.terminalId === 'T-FLOOD');
  t.equal(after.length, 2);
  t.match(after[1], { kind: 'bad-record', count: 5_000, index: 1, lastIndex: 5_000 });
  // The genuine record still clears after the flood.
  t.equal((await w.bo.clearing.processBatch('T-FLOOD', term.batch())).ack.upTo, 1);
});

for (const backend of backends) t.test(`${backend.name}: past the cap, a terminal’s incidents merge until the window ends; unknown ids share one cap`, async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const w = await createWorld({ clock, db: await backend.db() });
  t.teardown(() => w.close());
  const noisy = await w.merchant('T-NOISY');
  const batches = INCIDENT_CAP + 50;
  for (let i = 0; i < batches; i++) {
    await w.bo.clearing.processBatch('T-NOISY', new Uint8Array([0xff, i & 0xff])); // not a CBOR array
    clock.advance(1_000);
  }
  let rows = (await w.bo.ledger.incidents()).filter((i) => i.terminalId === 'T-NOISY');
  t.equal(rows.length, INCIDENT_CAP, 'rows stop growing at the cap');
  t.equal(rows.reduce((n, i) => n + i.count, 0), batches, 'every occurrence is still counted');
  t.equal(rows.at(-1)?.count, 51, 'the last row absorbed the overflow');
  t.ok((rows.at(-1)?.lastAt ?? 0) > (rows.at(-1)?.at ?? 0), 'and says when it was last seen');

  // Another kind past the cap still gets its own row, once: two gaps (records held behind a missing one).
  const { wallet } = await w.wallet('gus');
  t.ok((await noisy.accept((await wallet.payMerchant(await noisy.requestPayment(100, 'EUR'))).text)).approved);
  const genuine = (decodeObject('JOURNAL_RECORD', noisy.journal[0] as Uint8Array) as { ok: true; value: { value: JournalRecord } }).value.value;
  for (const index of [3, 4]) await w.bo.clearing.processBatch('T-NOISY', encodeCbor([await signObject('JOURNAL_RECORD', { ...genuine, index }, noisy.key)]));
  rows = (await w.bo.ledger.incidents()).filter((i) => i.terminalId === 'T-NOISY');
  t.equal(rows.length, INCIDENT_CAP + 1);
  t.match(rows.at(-1), { kind: 'gap', count: 2, index: 3, lastIndex: 4 });

  // A new window opens new rows.
  clock.advance(INCIDENT_WINDOW * 1_000);
  await w.bo.clearing.processBatch('T-NOISY', new Uint8Array([0xff]));
  rows = (await w.bo.ledger.incidents()).filter((i) => i.terminalId === 'T-NOISY');
  t.equal(rows.length, INCIDENT_CAP + 2);
  t.equal(rows.at(-1)?.count, 1);

  // Journal topics of ids nobody enrolled are unbounded, so their cap is fleet-wide.
  for (let i = 0; i < batches; i++) await w.bo.clearing.processBatch(`T-GHOST-${i}`, new Uint8Array([0x80]));
  const ghosts = (await w.bo.ledger.incidents()).filter((i) => i.kind === 'unknown-terminal');
  t.equal(ghosts.length, INCIDENT_CAP);
  t.equal(ghosts.reduce((n, i) => n + i.count, 0), batches);
});
