// The demo's phone: Ana's wallet app in headless Chromium at a phone viewport, onboarded through the dev IdP and the wallet API, paying with its camera on the café's screen.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { BackOffice } from '#backoffice';
import { ApiServer } from '../backoffice/api/index.js';
import { defaultWebRoot } from '../backoffice/api/static.js';
import type { PersistentBrowser } from '../test/support/browser.js';
import { CHROMIUM } from '../test/support/browser.js';
import { confirmAndShow, framebufferClip, getPurse, openPhone, phonePage, readPaymentQr, scanRequest, signInAs, waitForServiceWorker } from '../test/support/phone.js';
import type { DemoTerminal } from './demo-world.js';

/** Saves a screenshot into the demo's output and report. */
export type Shot = (name: string, png: Buffer, caption: string) => void;

export interface PhonePayment {
  text: string;
  seq: number;
  merchant: string;
  amount: string;
}

export interface DemoPhone {
  purseId: string;
  /** The camera on the terminal's screen (its framebuffer as a clip), the app offline: scan, confirm, and the code read off the phone's screen. */
  pay(at: DemoTerminal, reference: string): Promise<PhonePayment>;
  /** The transit screen: a code authorising up to `maxText` to the operator and line. */
  transit(operator: string, line: string, maxText: string): Promise<{ text: string; seq: number }>;
  /** Back online: the app reconciles with the back office on opening; resolves with what its purse card says once settled. */
  settled(): Promise<string>;
  close(): Promise<void>;
}

/** Why the phone cannot run here (then the demo pays with the CLI wallet), or undefined. */
export function phoneUnavailable(): string | undefined {
  if (!existsSync(CHROMIUM)) return `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM=/path/to/chromium)`;
  if (!existsSync(join(defaultWebRoot(), 'wallet/index.html'))) return 'the wallet app is not built (make build writes dist/web/wallet)';
  return undefined;
}

/**
 * Serves the back office with the dev IdP (the customer is `account`), opens the app on a fresh
 * profile, installs it (service worker), signs in with code + PKCE and asks the wallet API for a purse
 * of `capText` for the key the app made. The browser closes after; every later step relaunches on the
 * same profile, as a phone's app reopens, with the camera pointed at what the terminal shows then.
 */
export async function startPhone(bo: BackOffice, dir: string, account: string, capText: string, shot: Shot): Promise<{ phone: DemoPhone; url: string }> {
  const password = randomBytes(12).toString('base64url');
  const server = new ApiServer({ backOffice: bo, host: '127.0.0.1', port: 0, devIdp: { merchantId: 'M-LUMIERE', accountId: account, password }, rateLimit: 0 });
  const { url } = await server.start();
  const app = `${url}/wallet/`;
  const profile = join(dir, 'profile');
  let browser: PersistentBrowser | undefined;
  let page: Page | undefined;
  let clips = 0;
  const open = async (clip?: string): Promise<Page> => {
    await browser?.close();
    browser = await openPhone(profile, clip);
    page = await phonePage(browser);
    return page;
  };
  const snap = async (p: Page, name: string, caption: string) => shot(name, await p.screenshot(), caption);
  try {
    const first = await open();
    await first.goto(app);
    await waitForServiceWorker(first);
    await signInAs(first, password);
    const purseId = await getPurse(first, capText);
    const available = (await first.getByTestId('available').textContent()) ?? '';
    await snap(first, 'phone-home.png', `Ana's phone: the wallet app after sign-in, with a purse of ${available} from the wallet API`);
    await browser?.close();
    browser = undefined;
    const phone: DemoPhone = {
      purseId,
      async pay(at, reference) {
        const clip = join(dir, `camera-${++clips}.y4m`);
        framebufferClip(at.fb, clip);
        const p = await open(clip);
        await p.goto(app);
        await p.context().setOffline(true);
        await p.reload(); // from the service worker's cache: the phone has no network either
        await p.getByTestId('screen-home').waitFor();
        const seen = await scanRequest(p);
        await snap(p, `phone-confirm-${reference}.png`, `Ana's phone: the request scanned and verified offline, asking to confirm`);
        const paid = await confirmAndShow(p);
        await snap(p, `phone-code-${reference}.png`, `Ana's phone: the payment code (seq ${paid.seq}), committed before it was drawn`);
        return { text: paid.text, seq: paid.seq, merchant: seen.merchant, amount: seen.amount };
      },
      async transit(operator, line, maxText) {
        const p = page ?? (await open());
        await p.getByTestId('done').click().catch(() => undefined);
        await p.getByTestId('transit').click();
        await p.getByTestId('transit-operator').fill(operator);
        await p.getByTestId('transit-line').fill(line);
        await p.getByTestId('transit-max').fill(maxText);
        await p.getByTestId('transit-show').click();
        const show = p.getByTestId('screen-show');
        await show.waitFor();
        await snap(p, 'phone-transit-code.png', `Ana's phone: a transit code for ${operator} line ${line}, up to ${(await show.locator('.amount').textContent()) ?? maxText}`);
        const text = await readPaymentQr(p);
        const seq = Number(await show.getAttribute('data-seq'));
        await p.getByTestId('done').click();
        return { text, seq };
      },
      async settled() {
        const p = await open();
        await p.goto(app); // online: the app reconciles on opening
        // The card shows the last reconciliation's figure at once (€0.00 from onboarding); wait for this one's.
        const card = p.locator('[data-testid=purse]', { hasText: /[1-9]\d*(?:[.,]\d+)? settled/ });
        await card.waitFor({ timeout: 20_000 });
        const said = (await card.getByTestId('available').textContent()) ?? '';
        const settled = /(\S+) settled/.exec((await card.textContent()) ?? '')?.[1] ?? '?';
        await snap(p, 'phone-settled.png', "Ana's phone back online: the purse reconciled with the back office's settled payments");
        await p.getByTestId('history').click();
        await p.locator('[data-testid=payment][data-status=settled]').first().waitFor();
        await snap(p, 'phone-history.png', "Ana's phone: history, each payment settled");
        return `${said} left, ${settled} settled`;
      },
      async close() {
        await browser?.close();
        browser = undefined;
        await server.stop();
      },
    };
    return { phone, url };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
    throw e;
  }
}
