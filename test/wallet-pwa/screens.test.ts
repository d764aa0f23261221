// Every bad input lands on its own screen and signs nothing; sign-in through the dev IdP; sealed note, receipt and transit code.
import t from 'tap';
import { decodeObject, fromQrText, isCanonicalSignature, PAYEE } from '#protocol';
import { createTestWorld } from '#protocol/testkit';
import { lookupTransaction } from '#backoffice';
import { until } from '../faults/harness.js';
import { CUSTOMER_ACCOUNT, certifiedSigner, givePurse, pasteCode, pasteRequest, readPaymentQr, requestSigner, signIn, walletRig } from './harness.js';

const DAY = 86_400;

t.test('wallet screens: refusals sign nothing; sign-in; sealed note; receipt; transit', { timeout: 240_000 }, async (t) => {
  const rig = await walletRig(t, 'screens');
  const { cafe, web } = rig;
  const term = await cafe.terminal('T-CAFE');
  const signer = await certifiedSigner(cafe.bo, 'T-HAND');
  const stranger = await createTestWorld({ seed: 'another-issuer', now: cafe.bo.now() });
  const foreign = await stranger.terminalCert({ terminalId: 'T-FAKE', displayName: 'Café Tessera' });
  const impostor = await requestSigner(foreign.bytes, foreign.key);

  // No camera flags: the camera is refused (or absent), and the screen offers pasting instead.
  const page = await rig.phone();
  await page.goto(web.url);
  await givePurse(page, cafe.bo, 'dora', { cap: 800, perPaymentLimit: 500 });
  await page.getByTestId('pay').click();
  await page.locator('[data-testid=screen-problem][data-kind=camera]').waitFor();
  t.match(await page.getByTestId('problem-detail').textContent(), /paste the request text/, 'camera refused: offers pasting');
  await page.getByTestId('home').click();

  // WebCrypto returns high-S half of the time; the wallet only ever hands out the low-S form.
  const sigs = (await page.evaluate(`Promise.all(Array.from({ length: 40 }, (_, i) =>
    tesseraWallet.signChallenge(new TextEncoder().encode('m' + i)).then((s) => Array.from(s))))`)) as number[][];
  t.ok(sigs.length === 40 && sigs.every((s) => isCanonicalSignature(Uint8Array.from(s))), '40 wallet signatures, all 64-byte low-S r‖s');
  const seqOf = async () => Number(await page.evaluate('tesseraWallet.purses().then((p) => p[0].seq)'));
  const refusal = async (text: string, kind: string, what: string) => {
    t.equal(await pasteRequest(page, text), kind, what);
    await page.getByTestId('home').click();
  };
  const now = cafe.bo.now();
  await refusal('https://example.com/not-a-payment', 'not-tessera', 'a QR that is not Tessera');
  await refusal(await impostor.request(200, now), 'uncertified', 'a terminal the trust list does not certify');
  await refusal(await signer.request(200, now - 3_600), 'expired-request', 'an expired request');
  await refusal(await signer.request(600, now), 'over-limit', 'above the per-payment limit');
  t.equal(await seqOf(), 0, 'nothing was signed');

  // Sign in (code + PKCE at the dev IdP) and see the account.
  await cafe.bo.createAccount(CUSTOMER_ACCOUNT, 'Ana');
  await cafe.bo.fund(CUSTOMER_ACCOUNT, 12_345);
  // (onboarding with a purse from the wallet API is pay.test.ts's; this phone imported its purse file)
  await signIn(page);
  await page.getByTestId('account').click();
  t.equal(await page.getByTestId('account-balance').textContent(), 'Account balance: €123.45', 'signed in: the account balance from the API');
  await page.getByRole('button', { name: 'Home' }).click();

  // A real payment with a sealed note: the back office opens it.
  const req = await term.charge(450);
  t.equal(await pasteRequest(page, req.requestQr), 'confirm');
  await page.getByTestId('note').fill('table 4');
  await page.getByTestId('confirm').click();
  const paid = await readPaymentQr(page);
  await term.scanner.present(paid);
  const done = await until(async () => {
    const p = await term.api.call<{ status: string; txId: string; receipt?: { qrText?: string } }>('GET', `/v1/payments/${req.id}`);
    return p.status === 'approved' && p.receipt?.qrText ? p : undefined;
  }, 15_000, 'approval with a receipt');
  await until(async () => (await cafe.bo.ledger.settlements()).find((s) => s.txId === done.txId), 20_000, 'settlement');
  const view = await lookupTransaction(cafe.bo.ledger, { txId: done.txId, showSealed: true });
  t.match(view.sealed, { status: 'opened', text: '{"note":"table 4"}' }, 'the issuer opened the sealed note');
  await page.getByTestId('done').click();
  t.equal(await page.getByTestId('available').textContent(), '€3.50');
  await refusal(await signer.request(400, now), 'over-available', 'more than what is left');

  // The terminal's signed receipt, verified offline; a receipt from elsewhere is refused.
  const receipt = done.receipt?.qrText ?? '';
  // A receipt whose amount was altered: one base45 character changed near the end (the signature or the fields).
  const i = receipt.length - 20;
  const forged = receipt.slice(0, i) + (receipt[i] === 'A' ? 'B' : 'A') + receipt.slice(i + 1);
  t.equal(await pasteCode(page, forged, 'scan-receipt'), 'other', 'an altered receipt is refused');
  await page.getByTestId('home').click();
  t.equal(await pasteCode(page, receipt, 'scan-receipt'), 'receipt', `the receipt screen (${await page.locator('main').textContent()})`);
  t.match(await page.getByTestId('screen-receipt').textContent(), /Genuine receipt.*€4\.50 to Café Tessera/, 'receipt verified');
  await page.getByTestId('home').click();

  // Transit: a code authorising the fare window.
  await page.getByTestId('transit').click();
  await page.getByTestId('transit-max').fill('2.00');
  await page.getByTestId('transit-show').click();
  const b = fromQrText('PAYMENT', await readPaymentQr(page));
  const d = b.ok ? decodeObject('PAYMENT', b.value) : b;
  t.match(d.ok && d.value.value, { payeeKind: PAYEE.transit, payee: 'OP-METRO', line: '*', amount: 200, seq: 2 }, 'a transit authorisation');
  const p = d.ok ? d.value.value : undefined;
  t.ok(p?.validUntil !== undefined && p.validUntil - p.time === 60, 'for a 60 s window');
  await page.getByTestId('done').click();

  // Eleven days on (the purse was issued for ten): expired, shown as such, nothing signed.
  const later = Date.now() + 11 * DAY * 1000;
  await page.clock.install({ time: later });
  await page.reload();
  t.equal(await page.getByTestId('purse').getAttribute('data-state'), 'expired', 'the purse shows as expired');
  await refusal(await signer.request(100, Math.floor(later / 1000)), 'purse-expired', 'an expired purse pays nothing');
  t.equal(await seqOf(), 2, 'no refusal signed anything');
});
