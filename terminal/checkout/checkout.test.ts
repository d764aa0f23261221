import t, { type Test } from 'tap';
import { KeySigner, REASON_CODES, encodeCbor, fromHex, fromQrText, signObject, signSign1, toHex, toQrText, verifyPaymentRequest, verifyReceipt, type ReasonCode } from '#protocol';
import { seededSecret } from '#protocol/testkit';
import { EmulatedScanner, type EmulatedScannerHandle } from '#drivers';
import { createTerminalWorld, type TerminalWorld, type TerminalWorldOptions } from '../daemon/testing.js';
import type { Daemon } from '../daemon/daemon.js';
import { verifyJournal } from '../store/index.js';

async function setup(t: Test, o: TerminalWorldOptions = {}): Promise<{ tw: TerminalWorld; d: Daemon }> {
  const tw = await createTerminalWorld({ ...o, ...(o.config ? { config: o.config } : {}) });
  t.teardown(() => tw.cleanup());
  const d = tw.daemon({ api: false });
  await d.start();
  t.teardown(() => d.stop());
  return { tw, d };
}

t.test('merchant: request QR → scanned payment → committed → approved → signed receipt printed; re-read is not charged twice', async (t) => {
  const { tw, d } = await setup(t);
  const co = d.checkout!;
  t.match(tw.display.last, { kind: 'idle', subtitle: 'Ready' });
  const p = await co.startPayment({ amount: 450, reference: 'INV-42' });
  t.match(p, { status: 'pending', amount: 450, currency: 'EUR', reference: 'INV-42' });
  t.match(tw.display.last, { kind: 'request', amount: 450, currency: 'EUR', merchantName: 'Café Tessera' });
  const shown = tw.display.last as { qrText: string };
  t.ok(shown.qrText.startsWith('TQ1:'));
  // The wallet side accepts the request the display shows.
  const req = verifyPaymentRequest(shown.qrText, { trust: tw.world.trust, now: tw.world.now });
  t.ok(req.ok, 'the request verifies for a wallet');
  if (req.ok) t.same(req.value.request.value.nonce, fromHex(p.id));
  await t.rejects(co.startPayment({ amount: 100 }), { code: 'PAYMENT_BUSY' }, 'one open request at a time');

  const purse = await tw.world.purse();
  const code = await tw.merchantPayment(d, purse);
  const dec = await tw.scan(d, code);
  t.match(dec, { outcome: 'approved', amount: 450, currency: 'EUR', journalIndex: 1, journaled: true, remaining: 10_000 - 450 });
  t.match(tw.display.last, { kind: 'idle' }, 'back to ready (result display time 0)');
  const approvedAt = tw.display.screens.findIndex((s) => s.kind === 'approved');
  t.ok(approvedAt > 0, 'approved was shown');
  t.equal(d.store!.journalHead, 1, 'committed before it was shown');
  const state = co.getPayment(p.id)!;
  t.match(state, { status: 'approved', txId: dec.txId, journalIndex: 1, remaining: 9_550 });
  await d.checkout!.stop().then(() => d.checkout!.start()); // drains the receipt job
  t.equal(tw.printer.receipts.length, 1, 'one receipt printed');
  const receipt = tw.printer.receipts[0]!;
  t.match(receipt, { amount: 450, currency: 'EUR', merchantName: 'Café Tessera', remaining: 9_550 });
  const rv = verifyReceipt(receipt.qrText, { terminalPublicKey: d.identity!.signer.publicKey, trust: tw.world.trust });
  t.ok(rv.ok, 'the printed receipt is signed by the terminal');
  if (rv.ok) t.match(rv.value.value, { amount: 450, journalIndex: 1, terminalId: 'T-0001', merchantId: 'M-CAFE' });
  t.match(co.getPayment(p.id)!.receipt, { status: 'printed' });

  const again = await tw.scan(d, code);
  t.match(again, { outcome: 'reread', txId: dec.txId, journaled: false });
  t.match(tw.display.screens.at(-2), { kind: 'approved', amount: 450, message: 'Already paid' }, 're-read shows approved again, not an error');
  t.equal(d.store!.journalHead, 1, 'nothing charged or journaled twice');
  t.same(d.store!.purseState(purse.cert.purseId), { lastSeq: 1, lastCumulative: 450 });
  t.same(d.store!.purseTotals(purse.cert.purseId), { totalCharged: 450, payments: 1 });

  const copy = await co.reprint();
  t.match(copy, { txId: dec.txId, journalIndex: 1, receipt: { status: 'printed' } });
  t.match(tw.printer.receipts[1]!.footer, ['*** COPY ***']);
});

t.test('merchant: cancel, timeout, declines keep the request open, printer failure never undoes an approval', async (t) => {
  const { tw, d } = await setup(t);
  const co = d.checkout!;
  const p1 = await co.startPayment({ amount: 300 });
  t.match(co.cancel(), { id: p1.id, status: 'cancelled' });
  t.equal(co.current(), undefined);
  t.throws(() => co.cancel(p1.id), { code: 'PAYMENT_STATE' });
  t.throws(() => co.cancel(), { code: 'PAYMENT_NOT_FOUND' });

  const p2 = await co.startPayment({ amount: 300 });
  tw.clock.advance(121_000);
  t.equal(co.current(), undefined, 'the request expired');
  t.equal(co.getPayment(p2.id)?.status, 'expired');

  const p3 = await co.startPayment({ amount: 300 });
  const purse = await tw.world.purse();
  const wrong = await tw.merchantPayment(d, purse, { amount: 200, cumulative: 200 });
  t.match(await tw.scan(d, wrong), { outcome: 'declined', reason: 'AMOUNT_MISMATCH', journaled: true });
  t.match(co.current(), { id: p3.id, status: 'pending', declines: 1, lastDecline: { reason: 'AMOUNT_MISMATCH' } });
  t.match(tw.display.last, { kind: 'request' }, 'back to the request QR after a decline');
  tw.printer.failWith = { code: 'PRINTER_PAPER_OUT', message: 'paper out' };
  const ok = await tw.scan(d, await tw.merchantPayment(d, purse, { seq: 2, cumulative: 300 }));
  t.match(ok, { outcome: 'approved', amount: 300 });
  await co.stop();
  t.match(co.getPayment(p3.id), { status: 'approved', receipt: { status: 'failed', code: 'PRINTER_PAPER_OUT' } });
  t.ok(co.getPayment(p3.id)!.receipt!.qrText!.startsWith('TR1:'), 'the signed receipt is still available');
  t.equal(d.store!.findApproved(fromHex(ok.txId!))?.idx, 2);
});

t.test('transit: fare from the signed config, remaining balance, "already validated" within the window, replay after it', async (t) => {
  const { tw, d } = await setup(t, { mode: 'transit' });
  const purse = await tw.world.purse();
  const code = await tw.transitPayment(purse, { max: 300 });
  t.match(await tw.scan(d, code), { outcome: 'declined', reason: 'NO_FARE', journaled: true }, 'no fare config yet');
  t.match(tw.display.screens.at(-2), { kind: 'transit-denied', code: 'NO_FARE', reason: 'No fare set' });
  t.match(await tw.scan(d, await tw.fareConfig(1)), { outcome: 'fleet-applied', detail: 'config v1' }, 'a technician scans the signed config');
  const ok = await tw.scan(d, code);
  t.match(ok, { outcome: 'approved', amount: 250, remaining: 10_000 - 300 });
  t.match(tw.display.screens.at(-2), { kind: 'transit-ok', fare: 250, currency: 'EUR', remaining: 9_700 });
  t.match(tw.display.last, { kind: 'idle', title: 'Present your code' }, 'ready for the next rider');
  const head = d.store!.journalHead;
  t.match(await tw.scan(d, code), { outcome: 'already-validated', journaled: false });
  t.match(tw.display.screens.at(-2), { kind: 'already-validated' });
  t.equal(d.store!.journalHead, head, 'nothing charged');
  tw.clock.advance(31_000);
  t.match(await tw.scan(d, code), { outcome: 'declined', reason: 'SEQUENCE_REPLAY', journaled: true }, 'after the window the same code is a replay');
  t.same(d.store!.purseState(purse.cert.purseId), { lastSeq: 1, lastCumulative: 300 });
  t.same(d.store!.purseTotals(purse.cert.purseId), { totalCharged: 250, payments: 1 }, 'charged the fare, not the authorised amount');
  t.match(await tw.scan(d, await tw.fareConfig(1)), { outcome: 'declined', reason: 'ROLLBACK' }, 'an old config is refused');
  await t.rejects(d.checkout!.startPayment({ amount: 100 }), { code: 'TERMINAL_NOT_READY' });
});

t.test('every payment reason code is reachable through the checkout', async (t) => {
  const seen = new Set<ReasonCode>();
  const m = await setup(t);
  const tr = await setup(t, { mode: 'transit', seed: 'transit' });
  const w = m.tw.world;
  const now = w.now;
  await m.d.checkout!.startPayment({ amount: 450 });
  const expect = async (which: { tw: TerminalWorld; d: Daemon }, code: string, reason: ReasonCode, journaled: boolean) => {
    const dec = await which.tw.scan(which.d, code);
    t.match(dec, { outcome: 'declined', reason, journaled }, reason);
    seen.add(reason);
  };
  const purse = await w.purse();
  const pay = (o = {}, p = purse) => m.tw.merchantPayment(m.d, p, o);
  await expect(m, 'hello', 'MALFORMED', false);
  await expect(m, `TP1:${'A'.repeat(2000)}`, 'TOO_LARGE', false);
  await expect(m, m.d.checkout!.current()!.requestQr, 'WRONG_TYPE', false);
  const v2 = await signSign1(encodeCbor(new Map<number, number>([[0, 5], [1, 2]])), purse.key);
  await expect(m, toQrText('PAYMENT', v2), 'UNSUPPORTED_VERSION', false);
  const rogue = new KeySigner(seededSecret('rogue'));
  const rogueCert = await signObject('PURSE_CERT', purse.cert, rogue);
  await expect(m, await pay({}, { ...purse, bytes: rogueCert }), 'UNKNOWN_KEY', true);
  await expect(m, await pay({}, { ...purse, key: rogue }), 'BAD_SIGNATURE', true);
  await expect(m, await pay({}, await w.purse({ notAfter: now - 10 })), 'CERT_EXPIRED', true);
  await expect(m, await pay({}, await w.purse({ notBefore: now + 3600 })), 'CERT_NOT_YET_VALID', true);
  const blocked = await w.purse({ seed: 'blocked' });
  t.match(await m.tw.scan(m.d, toQrText('FLEET_MESSAGE', await w.fleetDenylist(1, [blocked.cert.purseId]))), { outcome: 'fleet-applied' });
  await expect(m, await pay({}, blocked), 'REVOKED', true);
  await expect(m, await pay({ currency: 'USD' }, await w.purse({ currency: 'USD' })), 'WRONG_CURRENCY', true);
  await expect(m, await pay({}, await w.purse({ perPaymentLimit: 100 })), 'OVER_PAYMENT_LIMIT', true);
  await expect(m, await pay({}, await w.purse({ cap: 400 })), 'OVER_OFFLINE_CAP', true);
  await expect(m, await pay({ cumulative: 100 }), 'CUMULATIVE_INCONSISTENT', true);
  await expect(m, await pay({ payee: 'T-OTHER' }), 'WRONG_PAYEE', true);
  await expect(m, await pay({ requestNonce: new Uint8Array(16) }), 'WRONG_REQUEST', true);
  await expect(m, await pay({ amount: 500, cumulative: 500 }), 'AMOUNT_MISMATCH', true);
  t.match(await m.tw.scan(m.d, await pay()), { outcome: 'approved' });
  await m.d.checkout!.startPayment({ amount: 450 });
  await expect(m, await pay({ cumulative: 900 }), 'SEQUENCE_REPLAY', true);
  await expect(m, toQrText('FLEET_MESSAGE', await w.fleetDenylist(1, [])), 'ROLLBACK', false);

  const tp = await tr.tw.world.purse();
  await expect(tr, await tr.tw.transitPayment(tp), 'NO_FARE', true);
  await tr.tw.scan(tr.d, await tr.tw.fareConfig(1));
  await expect(tr, await tr.tw.transitPayment(tp, { time: now - 1000, validUntil: now - 900 }), 'PAYMENT_EXPIRED', true);
  await expect(tr, await tr.tw.transitPayment(tp, { max: 100 }), 'AMOUNT_MISMATCH', true);
  await expect(tr, await tr.tw.transitPayment(tp, { line: 'L9' }), 'WRONG_PAYEE', true);

  // Terminal-side reasons each have their own scenario (daemon.test.ts): clock, storage, limits, staleness, readiness.
  // Ack refusals are sync reasons, never a payment's (test/sync/ack-guard.test.ts).
  const elsewhere: ReasonCode[] = ['CLOCK_UNTRUSTED', 'STORAGE_FAILED', 'TERMINAL_LIMIT', 'TRUST_STALE', 'NOT_READY', 'CHAIN_MISMATCH', 'BEYOND_HEAD'];
  t.same(
    REASON_CODES.filter((c) => !seen.has(c) && !elsewhere.includes(c)),
    [],
    'all other reason codes were produced here',
  );
  const check = verifyJournal(m.d.store!.handle, m.d.identity!.signer.publicKey, { terminalId: 'T-0001' });
  t.ok(check.ok, 'declines are journaled in a valid chain');
});

t.test('a scanner line longer than maxLength is refused with TOO_LARGE, shown and counted, never dropped silently', async (t) => {
  const tw = await createTerminalWorld();
  t.teardown(() => tw.cleanup());
  // The drivers' emulated scanner: the same line filter as the serial and HID scanners.
  const scanner = await new EmulatedScanner({ clock: tw.clock }).open();
  const d = tw.daemon({ api: false, devices: { scanner: async () => scanner, display: async () => tw.display, printer: async () => tw.printer } });
  await d.start();
  t.teardown(() => d.stop());
  const co = d.checkout!;
  const present = async (line: string) => {
    const next = co.bus.next('decision');
    (scanner as EmulatedScannerHandle).present(line);
    return next;
  };
  t.match(await present(`TP1:${'A'.repeat(5_000)}`), { outcome: 'declined', reason: 'TOO_LARGE', journaled: false, detail: /5004 characters .* maxLength 2048/ });
  t.match(tw.display.screens.find((s) => s.kind === 'declined'), { kind: 'declined', reason: 'Unreadable code', code: 'TOO_LARGE' }, 'the customer is told');
  t.match(co.counters, { scans: 1, unreadable: 1, declined: 1 });
  tw.clock.advance(2_000); // past the re-read window: a new presentation
  t.match(await present('TP1:\u0007'), { outcome: 'declined', reason: 'MALFORMED', journaled: false });
  t.equal(d.store!.journalHead, 0, 'nothing to journal: there is no payment in an unreadable line');
});

/** The same payment with its 64-byte signature replaced: zeros, or the high-S twin (r, n − s) that verifies mathematically. */
function withSignature(qr: string, how: 'zero' | 'high-s'): string {
  const b = fromQrText('PAYMENT', qr);
  if (!b.ok) throw new Error(b.reason);
  const bytes = Uint8Array.from(b.value);
  const sig = bytes.subarray(bytes.length - 64);
  if (how === 'zero') sig.fill(0);
  else {
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const s = BigInt(`0x${toHex(sig.subarray(32))}`);
    sig.set(fromHex((n - s).toString(16).padStart(64, '0')), 32);
  }
  return toQrText('PAYMENT', bytes);
}

t.test('a re-presented payment is approved again only as the very bytes journaled; a replaced signature is verified and declined', async (t) => {
  const { tw, d } = await setup(t);
  const co = d.checkout!;
  await co.startPayment({ amount: 450 });
  const purse = await tw.world.purse();
  const code = await tw.merchantPayment(d, purse);
  const ok = await tw.scan(d, code);
  t.match(ok, { outcome: 'approved' });
  const approvedScreens = (): number => tw.display.screens.filter((s) => s.kind === 'approved').length;
  const shownBefore = approvedScreens();
  for (const how of ['zero', 'high-s'] as const) {
    const forged = withSignature(code, how);
    t.not(forged, code);
    t.match(await tw.scan(d, forged), { outcome: 'declined', reason: 'BAD_SIGNATURE', txId: ok.txId, journaled: true }, `${how} signature, no request open: verified again, declined`);
  }
  t.equal(approvedScreens(), shownBefore, 'no approval screen for bytes that were not verified');
  t.match(await tw.scan(d, code), { outcome: 'reread', txId: ok.txId, journaled: false }, 'the byte-identical code with no request open is the scanner re-reading it');
  t.equal(approvedScreens(), shownBefore + 1);

  const p2 = await co.startPayment({ amount: 450 });
  for (const how of ['zero', 'high-s'] as const) {
    t.match(await tw.scan(d, withSignature(code, how)), { outcome: 'declined', reason: 'BAD_SIGNATURE' }, `${how} signature while a new request is open`);
  }
  t.match(await tw.scan(d, code), { outcome: 'declined', reason: 'WRONG_REQUEST', journaled: true }, 'the old code, byte for byte, is not the new request’s payment (§8.3 step 13.2)');
  t.equal(approvedScreens(), shownBefore + 1, 'nothing looked paid while the new request was open');
  t.match(co.current(), { id: p2.id, status: 'pending', declines: 3 }, 'the new request stays open');
  t.same(d.store!.purseTotals(purse.cert.purseId), { totalCharged: 450, payments: 1 });
});

t.test('transit: within alreadyValidatedSeconds only the journaled bytes are "already validated"', async (t) => {
  const { tw, d } = await setup(t, { mode: 'transit' });
  await tw.scan(d, await tw.fareConfig(1));
  const purse = await tw.world.purse();
  const code = await tw.transitPayment(purse, { max: 300 });
  t.match(await tw.scan(d, code), { outcome: 'approved' });
  for (const how of ['zero', 'high-s'] as const) {
    t.match(await tw.scan(d, withSignature(code, how)), { outcome: 'declined', reason: 'BAD_SIGNATURE', journaled: true }, `${how} signature inside the window`);
  }
  t.equal(tw.display.screens.filter((s) => s.kind === 'already-validated').length, 0, 'no "already validated" for unverified bytes');
  t.match(await tw.scan(d, code), { outcome: 'already-validated' }, 'the journaled bytes still are');
});
