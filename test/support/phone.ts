// A phone with the wallet app: Debian's Chromium at a phone viewport, its fake camera fed from a terminal's framebuffer, driven like a customer (shared by the wallet tests, the screenshots and `make demo`).
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { renderFramebufferPng, type EmulatedFramebuffer } from '#drivers';
import { cameraArgs, launchPersistent, type PersistentBrowser } from './browser.js';
import { pngToY4m } from './y4m.js';

type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = ((jsQRModule as unknown as { default?: JsQr }).default ?? (jsQRModule as unknown as JsQr)) as JsQr;

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** What a PNG shows, decoded like a camera would (jsQR). */
export function decodePng(png: Buffer): string | undefined {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength), img.width, img.height)?.data;
}

/** The terminal's screen as the phone's camera sees it: its framebuffer rendered, written as a Y4M clip. */
export function framebufferClip(fb: EmulatedFramebuffer, file: string): void {
  pngToY4m(renderFramebufferPng(fb), file);
}

/** Chromium on a phone viewport with the given clip as its camera, on a profile directory that outlives it. */
export async function openPhone(profile: string | undefined, clip: string | undefined, extraArgs: string[] = []): Promise<PersistentBrowser> {
  return launchPersistent(profile, [...(clip ? cameraArgs({ videoFile: clip }) : []), ...extraArgs], PHONE);
}

/** The phone's one tab. */
export async function phonePage(phone: PersistentBrowser): Promise<Page> {
  return phone.context.pages()[0] ?? (await phone.context.newPage());
}

/** Reads the payment QR back from the page, as a terminal's scanner would see the phone's screen. */
export async function readPaymentQr(page: Page): Promise<string> {
  const png = await page.getByTestId('payment-qr').screenshot();
  const text = decodePng(png);
  if (!text) throw new Error('no QR code readable on the payment screen');
  return text;
}

/** Waits for the service worker to control the page (the app is then installed for offline use). */
export async function waitForServiceWorker(page: Page): Promise<void> {
  // Strings, not functions: this file compiles without the DOM library.
  await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
  if (!(await page.evaluate('!!navigator.serviceWorker.controller'))) await page.reload();
  await page.waitForFunction('!!navigator.serviceWorker.controller');
}

/** From home: signs in as the dev IdP's customer (code + PKCE, the provider's login form) and comes back home. */
export async function signInAs(page: Page, password: string, username = 'customer'): Promise<void> {
  await page.getByTestId('account').click();
  await page.getByTestId('sign-in').click();
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/wallet\/$/);
}

/** Signed in, from home: asks the wallet API for a purse of `capText` (the key proven over a challenge); returns its id and comes back home. */
export async function getPurse(page: Page, capText: string): Promise<string> {
  await page.getByTestId('account').click();
  await page.getByTestId('cap').fill(capText);
  await page.getByTestId('get-purse').click();
  const msg = await page.getByTestId('account-message').textContent();
  if (!/Purse ([0-9a-f]{8})… added/.test(msg ?? '')) throw new Error(`no purse: ${msg}`);
  await page.getByRole('button', { name: 'Home' }).click();
  return String(await page.evaluate('tesseraWallet.purses().then((p) => p[p.length - 1].purseId)'));
}

/** From home, with the camera on the terminal's request: scan → confirm screen (merchant and amount as shown). */
export async function scanRequest(page: Page): Promise<{ merchant: string; amount: string }> {
  await page.getByTestId('pay').click();
  await page.getByTestId('screen-confirm').waitFor({ timeout: 15_000 });
  return { merchant: (await page.getByTestId('merchant').textContent()) ?? '', amount: (await page.getByTestId('amount').textContent()) ?? '' };
}

/** On the confirm screen: confirms and reads the payment code off the screen; returns its text and sequence number. */
export async function confirmAndShow(page: Page): Promise<{ text: string; seq: number; txId: string }> {
  await page.getByTestId('confirm').click();
  const show = page.getByTestId('screen-show');
  await show.waitFor();
  return { text: await readPaymentQr(page), seq: Number(await show.getAttribute('data-seq')), txId: (await show.getAttribute('data-txid')) ?? '' };
}
