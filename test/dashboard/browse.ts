// Browser side of the dashboard tests: sign in through the dev IdP's form, axe-core checks, and screenshots for docs/.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

export const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
export type ViewportName = keyof typeof VIEWPORTS;

/**
 * Every run writes its screenshots to demo-out/ (ignored by git), so `make test` leaves the checkout
 * clean; SCREENSHOTS=docs/screenshots/dashboard refreshes the copies the README links.
 */
export const SHOTS = resolve(process.env.SCREENSHOTS ?? 'demo-out/screenshots/dashboard');

/** Signs in at the dashboard: its button, the issuer's form, the code+PKCE round trip, back on `landing`. */
export async function signIn(page: Page, base: string, user: string, password: string, start = '/dashboard/', landing: RegExp = /\/dashboard\/(?!callback)/): Promise<void> {
  await page.goto(`${base}${start}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/dev-idp\/interaction\//, { timeout: 15_000 });
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(landing, { timeout: 15_000 });
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 15_000 });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core in the page (WCAG 2 A/AA rules): the serious and critical violations. */
export async function axeSerious(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE });
  // A string: this code runs in the page, which the Node-side type check does not know.
  const violations = (await page.evaluate(`(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  })()`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function shoot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Waits until no "Waiting for the back office" placeholder is left (every request of the page answered). */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction("!document.querySelector('.waiting') && document.querySelector('main h1')", undefined, { timeout: 15_000 });
}

export async function newPage(browser: Browser, viewport: ViewportName): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], locale: 'en-GB', timezoneId: 'Europe/Paris' });
  return context.newPage();
}

/** The dashboard's access token in this tab (to ask the API what the page did). */
export const accessToken = (page: Page): Promise<string> => page.evaluate<string>("JSON.parse(sessionStorage.getItem('tessera.session') || '{}').accessToken || ''");

/** Replaces the tab's token with one the API refuses (as after expiry or a key rotation). */
export const spoilToken = (page: Page): Promise<void> =>
  page.evaluate<void>("(() => { const s = JSON.parse(sessionStorage.getItem('tessera.session') || '{}'); sessionStorage.setItem('tessera.session', JSON.stringify({ ...s, accessToken: s.accessToken + 'x' })); })()");

/** Whether the tab still holds a session. */
export const hasSession = (page: Page): Promise<boolean> => page.evaluate<boolean>("sessionStorage.getItem('tessera.session') !== null");

const LOCK = join(tmpdir(), 'tessera-dashboard-browser.lock');
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Debian's Chromium for one dashboard test file, one at a time across tap's parallel jobs (the box
 * has two cores): a lock directory holding the owner's pid, taken over when that process is gone.
 * The lock goes with the browser.
 */
export async function launchOneBrowser(timeoutMs = 300_000): Promise<Browser> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch {
      const owner = Number(existsSync(join(LOCK, 'pid')) ? readFileSync(join(LOCK, 'pid'), 'utf8') : NaN);
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another dashboard test kept the browser lock ${LOCK} for ${timeoutMs} ms`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  const release = () => rmSync(LOCK, { recursive: true, force: true });
  try {
    const browser = await launchBrowser();
    browser.once('disconnected', release);
    return browser;
  } catch (e) {
    release();
    throw e;
  }
}
