// Voids and refunds on a real terminal store: journalled as signed chained records, refused with specific codes, printed.
import t, { type Test } from 'tap';
import { ADJUSTMENT, toHex, verifyJournalRecord } from '#protocol';
import { encodeReceipt, renderEscPos } from '#drivers';
import { createTerminalWorld, type TerminalWorld } from '../daemon/testing.js';
import type { Daemon } from '../daemon/daemon.js';
import { verifyJournal } from '../store/index.js';
import { decideAdjustment, type AdjustFacts } from './adjust-rules.js';

async function setup(t: Test): Promise<{ tw: TerminalWorld; d: Daemon }> {
  const tw = await createTerminalWorld();
  t.teardown(() => tw.cleanup());
  const d = tw.daemon({ api: false });
  await d.start();
  t.teardown(() => d.stop());
  return { tw, d };
}

/** One approved merchant payment of `amount`; returns its txId. */
async function pay(tw: TerminalWorld, d: Daemon, amount: number, seq = 1): Promise<string> {
  await d.checkout!.startPayment({ amount });
  const purse = await tw.world.purse();
  const dec = await tw.scan(d, await tw.merchantPayment(d, purse, { seq, cumulative: amount }));
  if (dec.outcome !== 'approved' || !dec.txId) throw new Error(`payment not approved: ${dec.reason ?? ''}`);
  return dec.txId;
}

t.test('refunds and a void are signed chained records; the journal still verifies; limits are not charged', async (t) => {
  const { tw, d } = await setup(t);
  const store = d.store!;
  const adj = d.checkout!.adjustments;
  const tx = await pay(tw, d, 1000);
  const unsynced = store.unsyncedApproved();

  const r1 = await adj.refund(tx, { amount: 300, note: 'cold coffee', reference: 'R-1' });
  t.match(r1, { kind: 'refund', originalTxId: tx, amount: 300, currency: 'EUR', journalIndex: 2, reference: 'R-1', reason: 'cold coffee', adjusted: 300, remaining: 700 });
  t.not(r1.txId, tx, 'the refund has its own id');
  const rec = verifyJournalRecord(store.getRow(2)!.record, { terminalPublicKey: d.identity!.signer.publicKey, terminalId: 'T-0001', trust: tw.world.trust });
  t.ok(rec.ok, 'the refund record verifies under the terminal key');
  if (rec.ok) {
    t.match(rec.value.value, { adjustment: ADJUSTMENT.refund, amountCharged: 300, currency: 'EUR', note: 'cold coffee', reference: 'R-1' });
    t.equal(rec.value.value.payment, undefined, 'no payment in an adjustment');
    t.equal(toHex(rec.value.value.original!), tx);
  }
  await t.rejects(adj.void(tx), { code: 'ALREADY_REFUNDED' }, 'a partly refunded payment is not voided');
  await t.rejects(adj.refund(tx, { amount: 701 }), { code: 'REFUND_EXCEEDS_PAYMENT' }, 'over-refund');
  await t.rejects(adj.refund(tx, { amount: 10, currency: 'USD' }), { code: 'CURRENCY_MISMATCH' });
  t.match(await adj.refund(tx, { amount: 700 }), { adjusted: 1000, remaining: 0 }, 'the rest');
  await t.rejects(adj.refund(tx, { amount: 1 }), { code: 'REFUND_EXCEEDS_PAYMENT' }, 'nothing left');
  t.same(store.unsyncedApproved(), unsynced, 'adjustments add nothing to the offline risk totals');

  const tx2 = await pay(tw, d, 450, 2);
  const v = await adj.void(tx2, { note: 'wrong item' });
  t.match(v, { kind: 'void', amount: 450, remaining: 0 });
  await t.rejects(adj.void(tx2), { code: 'ALREADY_VOIDED' }, 'voiding twice');
  await t.rejects(adj.refund(tx2, { amount: 1 }), { code: 'ALREADY_VOIDED' }, 'refunding a voided payment');
  await t.rejects(adj.void(v.txId), { code: 'NOT_ADJUSTABLE' }, 'voiding a void');
  await t.rejects(adj.void('ab'.repeat(32)), { code: 'PAYMENT_NOT_FOUND' }, 'unknown txId');
  await t.rejects(adj.void('nope'), { code: 'API_BAD_REQUEST' });

  // The receipts: titled, naming the payment, the QR is the signed record.
  await d.checkout!.stop().then(() => d.checkout!.start());
  const printed = tw.printer.receipts.filter((r) => r.qrText.startsWith('TJ1:'));
  t.equal(printed.length, 3, 'a receipt per refund and void');
  t.match(printed[0], { header: ['*** REFUND ***'], amount: 300, currency: 'EUR', transactionId: r1.txId.slice(0, 16), reference: 'R-1' });
  t.match(printed[2], { header: ['*** VOID ***'], amount: 450 });
  t.ok(printed[0]!.merchantLines!.some((l) => l.includes(tx.slice(0, 16))), 'the receipt names the original payment');
  // On paper (the emulator's ESC/POS renderer): the title, the original, the amount and the signed record as the QR.
  const paper = renderEscPos(encodeReceipt(printed[0]!, { qr: 'native' }), 576);
  t.ok(paper.lines.some((l) => l.includes('*** REFUND ***')), 'titled REFUND');
  t.ok(paper.lines.some((l) => l.includes(`Original ${tx.slice(0, 16)}`)), 'names the payment');
  t.ok(paper.lines.some((l) => /^AMOUNT\s+EUR 3\.00$/.test(l)), 'the amount given back');
  t.ok(paper.lines.some((l) => /^Reference\s+R-1$/.test(l)), "the register's reference");
  t.same(paper.qrTexts, [r1.qrText], 'the QR is the signed refund record');

  const check = verifyJournal(store.handle, d.identity!.signer.publicKey, { terminalId: 'T-0001' });
  t.match(check, { ok: true, records: 5 }, 'verify-journal checks the adjustment rows against their records');
  t.same(store.listRows({ approvedOnly: true }).map((r) => r.idx), [1, 4], 'approved payments only');
  t.same(store.adjustedOf(Buffer.from(tx, 'hex')), { voided: false, amount: 1000, count: 2 });
});

t.test('a void is refused once the back office acknowledged the payment; a refund still works', async (t) => {
  const { tw, d } = await setup(t);
  const tx = await pay(tw, d, 800);
  await d.store!.ack(1, tw.clock.now());
  await t.rejects(d.checkout!.adjustments.void(tx), { code: 'VOID_TOO_LATE' });
  t.match(await d.checkout!.adjustments.refund(tx, { amount: 800 }), { kind: 'refund', remaining: 0 });
});

t.test('a declined payment cannot be voided or refunded', async (t) => {
  const { tw, d } = await setup(t);
  await d.checkout!.startPayment({ amount: 450 });
  const purse = await tw.world.purse();
  const dec = await tw.scan(d, await tw.merchantPayment(d, purse, { amount: 999, cumulative: 999 }));
  t.match(dec, { outcome: 'declined', journaled: true });
  await t.rejects(d.checkout!.adjustments.void(dec.txId!), { code: 'NOT_ADJUSTABLE' });
  await t.rejects(d.checkout!.adjustments.refund(dec.txId!, { amount: 1 }), { code: 'NOT_ADJUSTABLE' });
  t.equal(d.store!.journalHead, 1, 'nothing journalled for a refused adjustment');
});

t.test('the rule: texts and amounts are bounded before anything is signed', async (t) => {
  const f: AdjustFacts = { original: { idx: 3, decision: 0, amount: 500, currency: 'EUR', adjustment: null }, ackedUpTo: 2, adjusted: { voided: false, amount: 0 } };
  t.same(decideAdjustment('x', f, { kind: 'void' }), { amount: 500, currency: 'EUR' });
  t.throws(() => decideAdjustment('x', { ...f, ackedUpTo: 3 }, { kind: 'void' }), { code: 'VOID_TOO_LATE' });
  t.same(decideAdjustment('x', { ...f, ackedUpTo: 3 }, { kind: 'refund', amount: 500 }), { amount: 500, currency: 'EUR' });
  t.throws(() => decideAdjustment('x', f, { kind: 'refund' }), { code: 'API_BAD_REQUEST' }, 'a refund names its amount');
  t.throws(() => decideAdjustment('x', f, { kind: 'refund', amount: 1.5 }), { code: 'API_BAD_REQUEST' });
  t.throws(() => decideAdjustment('x', f, { kind: 'refund', amount: 0 }), { code: 'API_BAD_REQUEST' });
  t.throws(() => decideAdjustment('x', f, { kind: 'void', note: 'x'.repeat(65) }), { code: 'API_BAD_REQUEST' });
  t.throws(() => decideAdjustment('x', f, { kind: 'void', reference: 'a\nb' }), { code: 'API_BAD_REQUEST' });
  t.throws(() => decideAdjustment('x', { ...f, adjusted: { voided: false, amount: 200 } }, { kind: 'refund', amount: 301 }), { code: 'REFUND_EXCEEDS_PAYMENT', details: { remaining: 300 } });
});
