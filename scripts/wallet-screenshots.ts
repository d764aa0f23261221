// Screenshots of every wallet screen (phone viewport, Debian's Chromium) against a real terminal daemon, into docs/screenshots/wallet/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestWorld } from '#protocol/testkit';
import type { Page } from 'playwright-core';
import { until } from '../test/faults/harness.js';
import { certifiedSigner, createCafe, givePurse, onboard, openPhone, pasteCode, pasteRequest, readPaymentQr, requestSigner, serveBackOffice } from '../test/wallet-pwa/harness.js';

const OUT = join(process.cwd(), 'docs/screenshots/wallet');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-wallet-shots-'));
  const cafe = await createCafe(dir);
  const web = await serveBackOffice(cafe.bo);
  const term = await cafe.terminal('T-CAFE');
  const shot = async (page: Page, name: string) => {
    await page.waitForTimeout(150); // let fonts and the last render settle
    await page.screenshot({ path: join(OUT, `${name}.png`) });
    console.log(`docs/screenshots/wallet/${name}.png`);
  };
  const profile = join(dir, 'phone');
  try {
    // Aiming at the terminal while it waits: the scan screen with its camera view.
    term.cameraClip(join(dir, 'idle.y4m'));
    let phone = await openPhone(profile, join(dir, 'idle.y4m'));
    let page = phone.context.pages()[0] ?? (await phone.context.newPage());
    await page.goto(web.url);
    await page.getByTestId('screen-home').waitFor();
    // The browser's install offer, as Chromium makes it to an installable app: the app shows its own button.
    await page.evaluate("(() => { const e = new Event('beforeinstallprompt', { cancelable: true }); e.prompt = () => Promise.resolve(); dispatchEvent(e); })()");
    await page.getByTestId('install').waitFor();
    await page.getByTestId('storage').waitFor();
    await shot(page, '01-home-first-run');
    await page.getByTestId('account').click();
    await shot(page, '02-account');
    await page.getByRole('button', { name: 'Home' }).click();
    await givePurse(page, cafe.bo, 'ana', { cap: 5_000, perPaymentLimit: 2_500 });
    await shot(page, '03-home-purse');
    await page.getByTestId('pay').click();
    await page.getByTestId('camera').waitFor();
    await page.waitForTimeout(800);
    await shot(page, '04-scan');
    await phone.close();

    const req = await term.charge(230);
    term.cameraClip(join(dir, 'req.y4m'));
    phone = await openPhone(profile, join(dir, 'req.y4m'));
    page = phone.context.pages()[0] ?? (await phone.context.newPage());
    await page.goto(web.url);
    await page.getByTestId('pay').click();
    await page.getByTestId('screen-confirm').waitFor({ timeout: 15_000 });
    await page.getByTestId('note').fill('table 4');
    await shot(page, '05-confirm');
    await page.getByTestId('confirm').click();
    await page.getByTestId('screen-show').waitFor();
    await shot(page, '06-payment-code');
    await term.scanner.present(await readPaymentQr(page));
    const done = await until(async () => {
      const p = await term.api.call<{ status: string; receipt?: { qrText?: string } }>('GET', `/v1/payments/${req.id}`);
      return p.status === 'approved' && p.receipt?.qrText ? p : undefined;
    }, 15_000, 'approval');
    await page.getByTestId('done').click();
    await page.getByTestId('transit').click();
    await shot(page, '07-transit');
    await page.getByTestId('transit-show').click();
    await page.getByTestId('screen-show').waitFor();
    await shot(page, '08-transit-code');
    await page.getByTestId('done').click();
    await page.getByTestId('history').click();
    await page.getByTestId('payment').first().waitFor();
    await shot(page, '09-history');
    await phone.close();

    // No camera on this launch: the refusal screens, pasting, a receipt.
    phone = await openPhone(profile, undefined);
    page = phone.context.pages()[0] ?? (await phone.context.newPage());
    await page.goto(web.url);
    await page.getByTestId('pay').click();
    await page.locator('[data-testid=screen-problem][data-kind=camera]').waitFor();
    await shot(page, '10-no-camera');
    await page.getByTestId('paste-instead').click();
    await page.getByTestId('paste-text').fill('TQ1:…');
    await shot(page, '11-paste');
    await page.getByRole('button', { name: 'Cancel' }).click();
    const signer = await certifiedSigner(cafe.bo, 'T-HAND');
    const stranger = await createTestWorld({ seed: 'another-issuer', now: cafe.bo.now() });
    const foreign = await stranger.terminalCert({ terminalId: 'T-FAKE', displayName: 'Café Tessera' });
    const impostor = await requestSigner(foreign.bytes, foreign.key);
    const now = cafe.bo.now();
    const refusals: [string, string][] = [
      ['12-not-tessera', 'https://example.com/menu'],
      ['13-uncertified-terminal', await impostor.request(200, now)],
      ['14-expired-request', await signer.request(200, now - 3_600)],
      ['15-over-limit', await signer.request(3_000, now)],
    ];
    for (const [name, text] of refusals) {
      await pasteRequest(page, text);
      await shot(page, name);
      await page.getByTestId('home').click();
    }
    await pasteCode(page, done.receipt?.qrText ?? '', 'scan-receipt');
    await shot(page, '16-receipt-verified');
    await page.getByTestId('home').click();

    // Signed in (dev IdP), a purse from the wallet API, then handed back.
    const returned = await onboard(page, cafe.bo, '20.00');
    await page.getByTestId('account').click();
    await page.getByTestId('account-balance').waitFor();
    await shot(page, '18-account-signed-in');
    await page.locator(`[data-testid=return-purse][data-purse="${returned}"]`).click();
    await page.getByTestId('screen-return').waitFor();
    await shot(page, '19-return-purse');
    await page.getByTestId('return-confirm').click();
    await page.getByTestId('account-message').filter({ hasText: 'returned' }).waitFor();
    await shot(page, '20-purse-returned');
    await page.getByRole('button', { name: 'Home' }).click();
    await phone.close();

    // Eleven days on: the purse has expired and says so.
    phone = await openPhone(profile, undefined);
    page = phone.context.pages()[0] ?? (await phone.context.newPage());
    await page.clock.install({ time: Date.now() + 11 * 86_400_000 });
    await page.goto(web.url);
    await page.locator('[data-testid=purse][data-state=expired]').waitFor();
    await shot(page, '17-purse-expired');
    await phone.close();
  } finally {
    await web.close();
    await cafe.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
