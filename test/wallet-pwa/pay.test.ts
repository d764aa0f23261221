// The wallet app paying a real `tessera daemon` through Chromium's fake camera: end to end with clearing, offline after install, restart, and a crash between commit and display.
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { until } from '../faults/harness.js';
import { confirmAndShow, scanRequest } from '../support/phone.js';
import { browserPid, onboard, readPaymentQr, waitForServiceWorker, walletRig, type Terminal } from './harness.js';

/** Scan → confirm → QR, in the app; returns the code the phone shows and the seq it carries. */
async function payAtTerminal(t: Test, page: Page, merchant: string, amountText: string): Promise<{ text: string; seq: number; txId: string }> {
  t.same(await scanRequest(page), { merchant, amount: amountText }, 'the certified merchant name and the amount, formatted by Intl');
  const paid = await confirmAndShow(page);
  t.match(paid.text, /^TP1:/, 'a Tessera payment code is on the screen');
  return paid;
}

async function approvedBy(term: Terminal, paymentId: string, text: string): Promise<string> {
  await term.scanner.present(text);
  const p = await until(async () => {
    const s = await term.api.call<{ status: string; txId?: string }>('GET', `/v1/payments/${paymentId}`);
    return s.status !== 'pending' ? s : undefined;
  }, 15_000, 'the terminal to decide');
  return `${p.status}:${p.txId}`;
}

t.test('the wallet app pays a real terminal: camera, offline after install, restart, crash after commit', { timeout: 300_000 }, async (t) => {
  const rig = await walletRig(t, 'pay');
  const { dir, cafe, web } = rig;
  const profile = join(dir, 'phone');
  const term = await cafe.terminal('T-CAFE');
  // One browser launch per camera clip (swapping the fake camera's file mid-run is unreliable).
  const launch = async (amount: number, clip: string): Promise<{ req: { id: string }; page: Page }> => {
    const req = await term.charge(amount);
    term.cameraClip(join(dir, clip));
    return { req, page: await rig.phone(profile, join(dir, clip)) };
  };

  // 1. First visit online: the app installs its service worker; the purse comes from the back office.
  let { req, page } = await launch(230, 'req1.y4m');
  await page.goto(web.url);
  await waitForServiceWorker(page);
  const purseId = await onboard(page, cafe.bo, '50.00');
  t.equal(await page.getByTestId('available').textContent(), '€50.00', 'the purse as issued');
  const key1 = await page.evaluate('tesseraWallet.publicKey');

  const pay1 = await payAtTerminal(t, page, 'Café Tessera', '€2.30');
  t.equal(pay1.seq, 1);
  t.equal(await approvedBy(term, req.id, pay1.text), `approved:${pay1.txId}`, 'the daemon approved the payment read off the phone');
  const settled = await until(async () => (await cafe.bo.ledger.settlements()).find((s) => s.txId === pay1.txId), 20_000, 'clearing to settle payment 1');
  t.match(settled, { txId: pay1.txId, amount: 230 }, 'the back office settled it');
  await page.getByTestId('done').click();
  t.equal(await page.getByTestId('available').textContent(), '€47.70', 'balance offline from what the wallet signed');
  // Every open reconciles with the back office: the payment shows settled.
  await page.reload();
  await page.getByTestId('purse').filter({ hasText: '€2.30 settled' }).waitFor();
  await page.getByTestId('history').click();
  t.equal(await page.locator(`[data-testid=payment][data-txid="${pay1.txId}"]`).getAttribute('data-status'), 'settled', 'the wallet shows the payment settled');
  await rig.closePhone();

  // 2. Offline after install, with a reload offline: the app opens from its cache and pays.
  ({ req, page } = await launch(450, 'req2.y4m'));
  await page.goto(web.url);
  await waitForServiceWorker(page);
  await page.context().setOffline(true);
  await page.reload();
  await page.getByTestId('screen-home').waitFor();
  t.equal(await page.getByTestId('network').textContent(), 'offline');
  t.equal(await page.evaluate('tesseraWallet.publicKey'), key1, 'a browser restart keeps the key');
  const pay2 = await payAtTerminal(t, page, 'Café Tessera', '€4.50');
  t.equal(pay2.seq, 2, 'and the counter');
  t.equal(await approvedBy(term, req.id, pay2.text), `approved:${pay2.txId}`, 'paid with no network on the phone');

  // A code shown but not scanned is shown again with the same bytes, never re-signed.
  await page.getByTestId('done').click();
  await page.getByTestId('history').click();
  await page.locator(`[data-testid=payment][data-txid="${pay2.txId}"]`).getByTestId('show-again').click();
  t.equal(await readPaymentQr(page), pay2.text, 'the same code again');
  await page.getByTestId('done').click();
  t.equal(await page.getByTestId('available').textContent(), '€43.20', 'showing again spent nothing more');

  // Background sync: the app, opened offline, asked for a 'reconcile' sync. With the app closed (a
  // same-origin page outside its scope instead), the service worker alone records the settlement
  // once the network is back.
  await until(async () => (await cafe.bo.ledger.settlements()).find((s) => s.txId === pay2.txId), 20_000, 'clearing to settle payment 2');
  // A blank page on the app's origin, answered by the test (the network is still off).
  await page.route(`${web.base}/probe`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>probe</title>' }));
  await page.goto(`${web.base}/probe`);
  const settledInDb = `new Promise((ok) => { const r = indexedDB.open('tessera-wallet'); r.onsuccess = () => {
    const g = r.result.transaction('payments').objectStore('payments').get('${pay2.txId}');
    g.onsuccess = () => { ok(g.result && g.result.settled !== undefined ? g.result.settled : null); r.result.close(); }; }; })`;
  t.equal(await page.evaluate(settledInDb), null, 'not known as settled while offline');
  await page.context().setOffline(false);
  // Chromium fires a pending sync at a time of its choosing once the network is back (seconds on a
  // quiet machine, sometimes not within minutes on a busy one), so the test fires the app's
  // registered 'reconcile' sync itself through DevTools: what is under test is that the service
  // worker alone, with no app page open, reconciles the settlement when the sync event comes.
  const cdp = await page.context().newCDPSession(page);
  const registration = new Promise<string>((resolve) =>
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] }) => {
      const r = e.registrations.find((x) => !x.isDeleted && x.scopeURL.startsWith(web.url));
      if (r) resolve(r.registrationId);
    }),
  );
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.dispatchSyncEvent', { origin: new URL(web.url).origin, registrationId: await registration, tag: 'reconcile', lastChance: false });
  t.equal(await until(async () => (await page.evaluate(settledInDb)) ?? undefined, 60_000, 'background sync'), 450, 'the service worker reconciled it in the background');
  await cdp.detach();
  await rig.closePhone();

  // 3. A crash between the commit and the display: the browser dies the moment the commit completes.
  ({ req, page } = await launch(100, 'req3.y4m'));
  let committed!: () => void;
  const commit = new Promise<void>((r) => (committed = r));
  await page.exposeBinding('tesseraCommitted', () => committed());
  // Wrap IndexedDB: when a strict payment transaction completes, signal and freeze the page so nothing is drawn.
  await page.addInitScript(`{
    const tx = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (names, mode, opts) {
      const t = tx.call(this, names, mode, opts);
      if (mode === 'readwrite' && opts && opts.durability === 'strict' && [].concat(names).includes('payments')) {
        t.addEventListener('complete', () => { window.tesseraCommitted(); const end = Date.now() + 60000; while (Date.now() < end) {} });
      }
      return t;
    };
  }`);
  await page.goto(web.url);
  await page.getByTestId('pay').click();
  // Not awaited: the page freezes the moment the commit completes, so Playwright's wait after the
  // click may never end; the click's own promise fails when the browser is killed below.
  const confirming = page.getByTestId('confirm').click().catch(() => undefined);
  await commit;
  process.kill(browserPid(profile), 'SIGKILL');
  await confirming;
  page = await rig.phone(profile, join(dir, 'req3.y4m'));
  await page.goto(web.url);
  await page.getByTestId('history').click();
  const rows = page.getByTestId('payment');
  await rows.first().waitFor(); // the list renders in one go once loaded
  t.equal(await rows.count(), 3, 'the payment committed before the crash is in the history');
  await page.getByRole('button', { name: 'Home' }).click();
  const pay3 = await payAtTerminal(t, page, 'Café Tessera', '€1.00');
  t.equal(pay3.seq, 4, 'the next payment takes seq 4: seq 3 (committed, never shown) is not reused');
  t.equal(await approvedBy(term, req.id, pay3.text), `approved:${pay3.txId}`, 'and the terminal accepts the gap');

  // Online again: refresh asks the wallet API for a new purse for the same key before this one runs out.
  await page.getByTestId('done').click();
  await page.getByTestId('account').click();
  await page.getByTestId('refresh').click();
  t.match(await page.getByTestId('account-message').textContent(), /^Purse [0-9a-f]{8}… added$/, 'a fresh purse from the issuer');
  await page.getByRole('button', { name: 'Home' }).click();
  const ids = (await page.evaluate('tesseraWallet.purses().then((p) => p.map((x) => x.purseId))')) as string[];
  t.equal(ids.length, 2);
  t.ok(ids.includes(purseId), 'the old purse stays until it expires');
  t.equal(await page.getByTestId('purse').count(), 2, 'both shown');
});
