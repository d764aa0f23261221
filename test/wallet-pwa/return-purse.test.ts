// Returning a purse from the wallet app: confirmation, refused while a payment it signed is not settled, then closed by the back office with the unspent balance back on the account.
import t from 'tap';
import { until } from '../faults/harness.js';
import { CUSTOMER_ACCOUNT, onboard, pasteRequest, readPaymentQr, walletRig } from './harness.js';

t.test('the customer returns a purse: confirmed, held back until its payments settle, then the rest goes home', { timeout: 180_000 }, async (t) => {
  const rig = await walletRig(t, 'return');
  const { cafe, web } = rig;
  const term = await cafe.terminal('T-CAFE');
  const page = await rig.phone();
  await page.goto(web.url);
  const purseId = await onboard(page, cafe.bo, '50.00');
  const balance = async () => (await cafe.bo.ledger.getAccount(CUSTOMER_ACCOUNT))?.balance;
  t.equal(await balance(), 95_000, 'the cap is reserved from the account');

  // A payment shown at the café, not scanned yet: the terminal has not sent it on.
  const req = await term.charge(230);
  t.equal(await pasteRequest(page, req.requestQr), 'confirm');
  await page.getByTestId('confirm').click();
  const code = await readPaymentQr(page);
  await page.getByTestId('done').click();

  const openReturn = async () => {
    await page.getByTestId('account').click();
    await page.locator(`[data-testid=return-purse][data-purse="${purseId}"]`).click();
    await page.getByTestId('screen-return').waitFor();
  };
  await openReturn();
  t.match(await page.getByTestId('screen-return').textContent(), /€47\.70.*will no longer pay/, 'the confirmation says what is left and what returning means');
  await page.getByTestId('return-cancel').click();
  await page.getByTestId('screen-account').waitFor();
  t.equal((await cafe.bo.ledger.getPurse(purseId))?.status, 'active', 'kept: nothing asked of the back office');
  await page.getByRole('button', { name: 'Home' }).click();

  await openReturn();
  await page.getByTestId('return-confirm').click();
  t.match(await page.getByTestId('account-message').textContent(), /not returned: payments 1 of this purse are not settled yet/, 'refused while payment 1 is on its way');
  t.equal(await page.evaluate('tesseraWallet.purses().then((p) => p[0].state)'), 'active', 'the purse pays again in the wallet');
  t.equal((await cafe.bo.ledger.getPurse(purseId))?.status, 'active');
  t.equal(await balance(), 95_000, 'nothing moved');
  await page.getByRole('button', { name: 'Home' }).click();

  // The terminal scans the code; clearing settles it; now the purse can go back.
  await term.scanner.present(code);
  await until(async () => (await cafe.bo.ledger.settlements()).find((s) => s.purseId === purseId), 20_000, 'clearing to settle the payment');
  await openReturn();
  await page.getByTestId('return-confirm').click();
  t.match(await page.getByTestId('account-message').textContent(), /^Purse [0-9a-f]{8}… returned: €47\.70 back on your account$/, 'the unspent balance returned');
  t.equal(await page.locator('[data-testid=return-purse]').count(), 0, 'a returned purse offers no return or refresh');
  t.match(await cafe.bo.ledger.getPurse(purseId), { status: 'closed', reserved: 0, spent: 230 }, 'the back office closed it (the close-purse operation)');
  t.ok((await cafe.bo.ledger.denyList()).purseIds.includes(purseId), 'and denied it: terminals refuse it from the next list');
  t.equal(await balance(), 99_770, 'the account holds all but the settled €2.30');

  // At home it shows closed and pays no more.
  await page.getByRole('button', { name: 'Home' }).click();
  await page.locator('[data-testid=purse][data-state=closed]').waitFor();
  const next = await term.charge(100);
  t.equal(await pasteRequest(page, next.requestQr), 'purse-revoked', 'a returned purse signs nothing');
  t.equal(await page.evaluate('tesseraWallet.purses().then((p) => p[0].seq)'), 1);
});
