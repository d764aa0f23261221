// Journal record shapes: a decision carries a payment, an adjustment (void, refund) carries keys 12-14 and no payment.
import t from 'tap';
import { ADJUSTMENT, DECISION, type JournalRecord } from './objects.js';
import { journalShapeProblem } from './verify.js';
import { decodeObject, encodePayload, signObject } from './codec.js';
import { KeySigner } from './signer.js';
import { seededSecret } from './testkit.js';

const base = { terminalId: 'T-1', index: 2, prevHash: new Uint8Array(32), txId: new Uint8Array(32).fill(7), decision: DECISION.approved, reason: 0, amountCharged: 100, time: 1_800_000_000 };
const refund: JournalRecord = { ...base, adjustment: ADJUSTMENT.refund, original: new Uint8Array(32).fill(1), currency: 'EUR', note: 'cold' };

t.test('decisions and adjustments, and every mixed shape refused with a reason', async (t) => {
  t.equal(journalShapeProblem({ ...base, payment: new Uint8Array(10) }), undefined, 'a decision');
  t.equal(journalShapeProblem(refund), undefined, 'a refund');
  t.equal(journalShapeProblem({ ...refund, adjustment: ADJUSTMENT.void }), undefined, 'a void');
  t.match(journalShapeProblem(base), /carries the payment/, 'a decision without its payment');
  t.match(journalShapeProblem({ ...base, payment: new Uint8Array(10), currency: 'EUR' }), /adjustment records only/);
  t.match(journalShapeProblem({ ...base, payment: new Uint8Array(10), note: 'x' }), /adjustment records only/);
  t.match(journalShapeProblem({ ...refund, payment: new Uint8Array(10) }), /no payment/);
  const { currency: _c, ...noCurrency } = refund;
  t.match(journalShapeProblem(noCurrency), /names the original transaction and the currency/);
  t.match(journalShapeProblem({ ...refund, decision: DECISION.declined }), /approved with reason 0/);
  t.match(journalShapeProblem({ ...refund, reason: 3 }), /approved with reason 0/);
  t.match(journalShapeProblem({ ...refund, amountCharged: 0 }), /positive amount/);
});

t.test('the adjustment keys round-trip through the codec and are bounded', async (t) => {
  const bytes = await signObject('JOURNAL_RECORD', refund, new KeySigner(seededSecret('journal-shape')));
  const d = decodeObject('JOURNAL_RECORD', bytes);
  t.ok(d.ok, 'decodes');
  if (d.ok) t.same({ ...d.value.value, original: [...(d.value.value.original ?? [])] }, { ...refund, original: [...refund.original!] }, 'every field back, payment absent');
  t.throws(() => encodePayload('JOURNAL_RECORD', { ...refund, adjustment: 3 }), /out of range/, 'only void (1) and refund (2)');
  t.throws(() => encodePayload('JOURNAL_RECORD', { ...refund, note: 'x'.repeat(65) }), /longer than 64/);
  t.throws(() => encodePayload('JOURNAL_RECORD', { ...refund, note: 'a\nb' }), /invalid format/, 'no control characters in the note');
  t.throws(() => encodePayload('JOURNAL_RECORD', { ...refund, currency: 'eur' }), /invalid format/);
});
