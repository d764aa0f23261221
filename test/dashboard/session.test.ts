// The dashboard's sign-in (code + PKCE at the dev IdP), sign-out, an expired session returning to the same page, errors and offline in words.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { BackOffice } from '#backoffice';
import { axeSerious, hasSession, launchOneBrowser, shoot, signIn, spoilToken, VIEWPORTS } from './browse.js';
import { PASSWORD, serveDashboard } from './serve.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-dash-'));
const bo = await BackOffice.init(join(dir, 'bo'));
await bo.createAccount('acct-ana', 'Ana');
await bo.fund('acct-ana', 12_345);
const api = await serveDashboard(bo);
const browser = await launchOneBrowser();
t.teardown(async () => {
  await browser.close();
  await api.stop();
  await bo.close();
  rmSync(dir, { recursive: true, force: true });
});

t.test('the built dashboard is served at /dashboard/ with its runtime config', async (t) => {
  const html = await fetch(`${api.url}/dashboard/`).then((r) => r.text());
  t.match(html, /<div id="root">/);
  t.match(html, /\/dashboard\/assets\/index-[\w-]+\.js/, 'assets under the /dashboard/ base');
  const config = (await fetch(`${api.url}/dashboard/config.json`).then((r) => r.json())) as { issuer: string; clientId: string };
  t.same(config, { issuer: '/dev-idp', clientId: 'tessera-dashboard', api: '/v1' });
  t.equal((await fetch(`${api.url}/dashboard/accounts`)).status, 200, 'a deep link gets the app (SPA fallback)');
});

t.test('sign in with code + PKCE lands on the page asked for; sign out; an expired session comes back to the same page', async (t) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const authorize: URL[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/dev-idp/auth')) authorize.push(new URL(r.url()));
  });
  await signIn(page, api.url, 'operator', PASSWORD, '/dashboard/accounts', /\/dashboard\/accounts$/);
  const a = authorize[0];
  t.ok(a, 'the browser went to the authorization endpoint');
  t.equal(a?.searchParams.get('response_type'), 'code');
  t.equal(a?.searchParams.get('code_challenge_method'), 'S256');
  t.match(a?.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/, 'a PKCE S256 challenge');
  t.equal(a?.searchParams.get('redirect_uri'), `${api.url}/dashboard/callback`);
  await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
  await page.getByRole('cell', { name: 'acct-ana' }).waitFor();
  t.match(await page.locator('.top .who').innerText(), /operator/, 'the header names the user and role');
  t.match(await page.getByRole('row', { name: /acct-ana/ }).innerText(), /€123\.45/, 'balances in the currency, from minor units');

  // The keyboard alone: the first Tab reaches the skip link, Tabs then walk the navigation, Enter opens a page.
  await page.locator('body').focus();
  await page.keyboard.press('Tab');
  t.equal(await page.evaluate<string>('document.activeElement.textContent'), 'Skip to content', 'the first Tab stop skips to the content');
  let focused = '';
  for (let i = 0; i < 20 && focused !== 'Incidents'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate<string>('document.activeElement.textContent');
  }
  t.equal(focused, 'Incidents', 'the navigation is reachable with Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Incidents' }).waitFor();
  t.match(page.url(), /\/dashboard\/incidents$/, 'and Enter opens the page');

  // Expiry: the token stops being accepted while the user is on Purses; their next step sends them to sign in.
  await page.getByRole('link', { name: 'Purses' }).click();
  await page.getByRole('heading', { level: 1, name: 'Purses' }).waitFor();
  await spoilToken(page);
  // The next step opens Accounts by its address (a bookmark or a reload): a click on the link raced
  // the page's own background requests, whose 401 can end the session first on a loaded machine.
  await page.goto(new URL('/dashboard/accounts', page.url()).href);
  await page.getByText('Your session has ended').waitFor();
  t.ok(await page.getByRole('button', { name: 'Sign in' }).isVisible(), 'back to the sign-in screen');
  t.match(page.url(), /\/dashboard\/accounts$/, 'still at the address of the page asked for');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The issuer still knows the user: no form, straight back to the page.
  await page.waitForURL(/\/dashboard\/callback/, { timeout: 15_000 });
  await page.waitForURL(/\/dashboard\/accounts$/, { timeout: 15_000 });
  await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
  t.equal(await page.locator('main h1').innerText(), 'Accounts', 'signed in again and back on the page they were on');

  // Sign-out ends the issuer's session too (RP-initiated logout), then shows the sign-in screen.
  const endSession: URL[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/dev-idp/session/end')) endSession.push(new URL(r.url()));
  });
  authorize.length = 0;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor({ timeout: 15_000 });
  const end = endSession[0];
  t.ok(end, "the browser went to the issuer's end_session_endpoint");
  t.match(end?.searchParams.get('id_token_hint') ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/, 'with the ID token as the hint');
  t.equal(end?.searchParams.get('post_logout_redirect_uri'), `${api.url}/dashboard/`, 'to come back to the dashboard');
  t.match(page.url(), /\/dashboard\/$/, 'back at the dashboard, on the sign-in screen');
  t.equal(await hasSession(page), false, 'the token is forgotten');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/dev-idp\/interaction\//, { timeout: 15_000 });
  t.ok(await page.locator('#password').isVisible(), 'after signing out the issuer asks for the password again');
  t.equal(authorize[0]?.searchParams.get('prompt') ?? null, null, 'not because the app asked it to: the issuer has no session left');
  await context.close();
});

t.test('a wrong password stays at the issuer; API errors and offline are shown in words', async (t) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${api.url}/dashboard/`);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    t.same(await axeSerious(page), [], `sign-in screen (${size}): no serious or critical axe-core violation`);
    await shoot(page, `sign-in-${size}`);
  }
  await page.setViewportSize(VIEWPORTS.desktop);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/dev-idp\/interaction\//);
  await page.fill('#username', 'operator');
  await page.fill('#password', 'wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Wrong user or password.').waitFor();
  t.match(page.url(), /\/dev-idp\/interaction\//, 'no way into the dashboard without the password');

  await signIn(page, api.url, 'operator', PASSWORD, '/dashboard/accounts', /\/dashboard\/accounts$/);
  const form = page.getByRole('form', { name: 'Create an account' });
  await form.getByLabel('Account id').fill('acct-ana');
  await form.getByRole('button', { name: 'Create' }).click();
  const alert = form.getByRole('alert');
  await alert.waitFor();
  t.match(await alert.innerText(), /ALREADY_EXISTS/, 'the API error code is shown');
  t.match(await alert.innerText(), /acct-ana/, 'with its message');

  // The answer to a funding is lost on the way back: the user presses Fund again and the same
  // Idempotency-Key makes the back office replay its answer instead of crediting twice.
  let answers = 0;
  await page.route('**/v1/accounts/acct-ana/fund', async (route) => {
    if (answers++ > 0) return route.continue();
    await route.fetch();
    await route.abort('connectionreset');
  });
  const fund = page.getByRole('form', { name: 'Fund an account' });
  await fund.getByLabel('Account id').fill('acct-ana');
  await fund.getByLabel('Amount (EUR)').fill('1.00');
  await fund.getByRole('button', { name: 'Fund' }).click();
  await fund.getByRole('alert').waitFor({ timeout: 15_000 });
  t.match(await fund.getByRole('alert').innerText(), /OFFLINE/, 'the lost answer is reported');
  await fund.getByRole('button', { name: 'Fund' }).click();
  await fund.getByRole('status').waitFor({ timeout: 15_000 });
  t.match(await fund.getByRole('status').innerText(), /acct-ana now holds €124\.45/, 'the retry shows the one funding');
  t.equal((await bo.ledger.getAccount('acct-ana'))?.balance, 12_345 + 100, 'credited once');
  await page.unroute('**/v1/accounts/acct-ana/fund');

  // A slow back office: the page says it is waiting, then shows the answer (the real one, held back 3 s).
  await page.route('**/v1/accounts?*', async (route) => {
    await new Promise((r) => setTimeout(r, 3_000));
    await route.continue();
  });
  await page.getByRole('link', { name: 'Incidents' }).click();
  await page.getByRole('heading', { level: 1, name: 'Incidents' }).waitFor();
  await page.getByRole('link', { name: 'Accounts' }).click();
  await page.getByText('Waiting for the back office (accounts)').waitFor({ timeout: 15_000 });
  const slow = page.getByText('The back office is slow to answer; still waiting');
  await slow.waitFor({ timeout: 15_000 });
  t.ok(await slow.isVisible(), 'a slow answer is announced, not a blank page');
  await page.getByRole('region', { name: 'Accounts' }).waitFor({ timeout: 15_000 });
  t.equal(await slow.count(), 0, 'and the notice goes when the answer arrives');
  await page.unroute('**/v1/accounts?*');

  // Both pages' code is loaded once; offline, going back to Accounts fails only on its API call.
  await page.getByRole('link', { name: 'Purses' }).click();
  await page.getByRole('heading', { level: 1, name: 'Purses' }).waitFor();
  await context.setOffline(true);
  await page.getByRole('link', { name: 'Accounts' }).click();
  const banner = page.getByText('Offline: the back office cannot be reached');
  await banner.waitFor({ timeout: 15_000 });
  t.ok(await banner.isVisible(), 'the offline banner');
  t.match(await page.locator('main [role=alert]').last().innerText(), /Back office unreachable.*OFFLINE/s, 'the page says what failed, not a blank page');
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Try again' }).first().click();
  await page.getByRole('region', { name: 'Accounts' }).waitFor({ timeout: 15_000 });
  t.equal(await banner.count(), 0, 'back online: the banner goes once a request gets through');
  await context.close();
});

t.test('a customer is refused the dashboard', async (t) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, api.url, 'customer', PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'No dashboard for this account' }).waitFor();
  t.equal(await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').count(), 0, 'no page offered');
  await page.goto(`${api.url}/dashboard/accounts`);
  await page.getByRole('heading', { level: 1, name: 'No dashboard for this account' }).waitFor({ timeout: 15_000 });
  t.match(await page.locator('main [role=alert]').innerText(), /FORBIDDEN/, 'a deep link is refused too');
  await context.close();
});
