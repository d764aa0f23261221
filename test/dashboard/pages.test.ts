// Every dashboard page for the operator and the merchant on a day with a double spend by real terminal daemons: content, axe-core, phone and desktop, screenshots, refusals, and the fraud case resolved end to end.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { Wallet } from '#wallet';
import { startMosquitto } from '../support/mosquitto.js';
import { accessToken, axeSerious, launchOneBrowser, settled, shoot, signIn, VIEWPORTS } from './browse.js';
import { BUS_LOCATION, CAFE_LOCATION, SEALED_NOTE, doubleSpendDay } from './day.js';
import { PASSWORD, serveDashboard } from './serve.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-dash-day-'));
const broker = await startMosquitto({ persistence: false });
const day = await doubleSpendDay(dir, broker.url);
const api = await serveDashboard(day.bo, broker.url);
const browser = await launchOneBrowser();
t.teardown(async () => {
  await browser.close();
  await api.stop();
  await day.stop();
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

const short = (id: string) => id.slice(0, 10);
const caseId = day.fraud.id;

/**
 * Opens an in-app page through the navigation (or the URL), waits for its data, then checks it at
 * desktop and phone size: axe-core finds no serious or critical violation, and a screenshot of each
 * goes to docs/screenshots/dashboard/.
 */
async function visit(t: Test, page: Page, path: string, name: string, heading: string): Promise<void> {
  await page.goto(`${api.url}/dashboard${path}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 15_000 });
  await settled(page);
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    t.same(await axeSerious(page), [], `${name} (${size}): no serious or critical axe-core violation`);
    await shoot(page, `${name}-${size}`);
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}

const text = (page: Page) => page.locator('main').innerText();

t.test('operator: every page, then the double spend resolved from the fraud case page', async (t) => {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-GB', timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  await signIn(page, api.url, 'operator', PASSWORD, '/dashboard/', /\/dashboard\/overview$/);
  const nav = await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts();
  t.same(nav, ['Overview', 'Transactions', 'Accounts', 'Purses', 'Terminals', 'Fraud cases', 'Deny list', 'Incidents', 'Fleet publishing', 'Refunds', 'Payouts'], 'the operator navigation');

  await visit(t, page, '/overview', 'operator-overview', 'Overview');
  t.match(await page.locator('.card', { hasText: 'Open fraud cases' }).innerText(), /\b1\b/, 'one open fraud case');
  t.equal(await page.locator('.chart canvas').count() >= 2, true, 'the charts are drawn (uPlot canvases)');

  await visit(t, page, '/transactions', 'operator-transactions', 'Transactions');
  const all = await text(page);
  for (const p of day.approved) t.match(all, short(p.txId), `transaction ${short(p.txId)} at ${p.terminalId} is listed`);
  t.match(all, /fraud/, 'the second spend shows as fraud');

  const first = day.approved[0] as { txId: string };
  await visit(t, page, `/transactions/${first.txId}`, 'operator-transaction', 'Transaction');
  const detail = await text(page);
  t.match(detail, 'Signed payment (decoded)');
  t.match(detail, '€3.40', 'the amount in euros');
  t.match(detail, /"record": "ok"/, 'the record verified');
  t.match(await page.getByLabel('Sealed details').innerText(), SEALED_NOTE, "the operator reads the note Ana's wallet sealed, opened by the back office after clearing");

  await visit(t, page, '/accounts', 'operator-accounts', 'Accounts');
  t.match(await text(page), /acct-eve/);
  const fund = page.getByRole('form', { name: 'Fund an account' });
  await fund.getByLabel('Account id').fill('acct-ben');
  await fund.getByLabel('Amount (EUR)').fill('25.50');
  await fund.getByRole('button', { name: 'Fund' }).click();
  await fund.getByRole('status').waitFor({ timeout: 15_000 });
  t.match(await fund.getByRole('status').innerText(), /acct-ben now holds €75\.50/, "25.50 on top of the 50.00 left after the purse's reservation");
  t.equal((await day.bo.ledger.getAccount('acct-ben'))?.balance, 5_000 + 2_550, 'the ledger credited 25.50 once');

  await visit(t, page, '/purses', 'operator-purses', 'Purses');
  t.match(await text(page), short(day.evePurse));
  // Issue a purse for a new wallet key, then deny, undeny and close it from the list.
  const issue = page.getByRole('form', { name: 'Issue a purse' });
  await issue.getByLabel('Customer account').fill('acct-ben');
  await issue.getByLabel('Wallet public key (hex)').fill(Wallet.create(join(dir, 'wallets', 'ben-2')).publicKey);
  await issue.getByLabel('Cap (EUR)').fill('20');
  await issue.getByLabel('Per-payment limit (EUR)').fill('5');
  await issue.getByRole('button', { name: 'Issue' }).click();
  await issue.getByRole('status').waitFor({ timeout: 15_000 });
  const issued = /Purse ([0-9a-f]{32}) issued/.exec(await issue.getByRole('status').innerText())?.[1] ?? '';
  t.match(issued, /^[0-9a-f]{32}$/, 'the new purse id is shown');
  const row = page.getByRole('row', { name: new RegExp(short(issued)) });
  await row.waitFor({ timeout: 15_000 });
  await page.getByLabel('Reason for close, deny or undeny').fill('phone reported lost');
  await row.getByRole('button', { name: /^Deny purse/ }).click();
  await page.getByText(`Denied purse ${short(issued)}`).waitFor({ timeout: 15_000 });
  await row.getByText('denied').waitFor({ timeout: 15_000 });
  t.equal((await day.bo.ledger.denyList()).purseIds.includes(issued), true, 'denied in the ledger');
  await page.getByLabel('Reason for close, deny or undeny').fill('phone found');
  await row.getByRole('button', { name: /^Undeny purse/ }).click();
  await page.getByText(`Undenied purse ${short(issued)}`).waitFor({ timeout: 15_000 });
  t.equal((await day.bo.ledger.denyList()).purseIds.includes(issued), false, 'undenied in the ledger');
  await page.getByLabel('Reason for close, deny or undeny').fill('customer asked to close');
  await row.getByRole('button', { name: /^Close purse/ }).click();
  await page.getByText(`Closed purse ${short(issued)}`).waitFor({ timeout: 15_000 });
  t.equal((await day.bo.ledger.getPurse(issued))?.status, 'closed', 'closed early, its reservation returned');
  await visit(t, page, '/terminals', 'operator-terminals', 'Terminals');
  t.match(await text(page), /T-CAFE-01[\s\S]*T-BUS-42|T-BUS-42[\s\S]*T-CAFE-01/, 'both terminals in the fleet list');
  t.equal(await page.locator('.badge.ok', { hasText: 'online' }).count(), 2, "both online, from their retained MQTT status");
  t.match(await page.getByRole('row', { name: /T-CAFE-01/ }).innerText(), /ago[\s\S]*\b0\b[\s\S]*v\d+[\s\S]*Café Lumière, rue de Rivoli/, 'last seen, an empty backlog, the list versions and where it stands');
  const fleet = await fetch(`${api.url}/v1/terminals`, { headers: { authorization: `Bearer ${await accessToken(page)}` } }).then((r) => r.json() as Promise<{ items: { terminalId: string; location: unknown }[] }>);
  t.same(Object.fromEntries(fleet.items.map((x) => [x.terminalId, x.location])), { 'T-CAFE-01': CAFE_LOCATION, 'T-BUS-42': BUS_LOCATION }, "the API gives each terminal's location, from its config through its MQTT status");
  // The map: one focusable, labelled marker per terminal, placed by its position, coloured by health.
  await page.getByRole('button', { name: 'Map' }).click();
  await page.locator('svg.map .marker').first().waitFor({ timeout: 15_000 });
  await visit(t, page, '/terminals?view=map', 'operator-terminals-map', 'Terminals');
  t.equal(await page.getByRole('button', { name: 'Map' }).getAttribute('aria-pressed'), 'true', 'the toggle says which view is shown');
  const marker = (id: string) => page.locator(`svg.map .marker[data-terminal="${id}"]`);
  t.match(await marker('T-CAFE-01').getAttribute('aria-label'), /^T-CAFE-01 \(Café Lumière\): online, at Café Lumière, rue de Rivoli\./, 'the marker says which terminal, its health and where');
  t.equal(await marker('T-BUS-42').locator('circle.dot.ok').count(), 1, 'coloured by health');
  const at = async (id: string) => ({ x: Number(await marker(id).locator('circle').getAttribute('cx')), y: Number(await marker(id).locator('circle').getAttribute('cy')) });
  const [cafeAt, busAt] = [await at('T-CAFE-01'), await at('T-BUS-42')];
  t.ok(cafeAt.x < busAt.x && cafeAt.y < busAt.y, `the café (further west and north) is left of and above the bus: ${JSON.stringify([cafeAt, busAt])}`);
  t.match((await page.locator('svg.map .scale-bar text').textContent()) ?? '', /\d\s?(m|km)$/, 'a scale bar in metres or kilometres');
  await page.getByRole('button', { name: 'Map' }).focus();
  let onMarker = '';
  for (let i = 0; i < 10 && !onMarker; i++) {
    await page.keyboard.press('Tab');
    onMarker = await page.evaluate<string>("document.activeElement?.getAttribute('data-terminal') ?? ''");
  }
  t.match(onMarker, /^T-(CAFE-01|BUS-42)$/, 'the markers are reached with Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Transactions' }).waitFor({ timeout: 15_000 });
  t.match(page.url(), new RegExp(`/dashboard/transactions\\?terminal=${onMarker}$`), "Enter on a marker opens that terminal's transactions");
  await visit(t, page, '/fraud', 'operator-fraud-cases', 'Fraud cases');
  t.match(await text(page), new RegExp(`#${caseId}[\\s\\S]*double-spend[\\s\\S]*open`));
  await visit(t, page, '/denylist', 'operator-denylist', 'Deny list');
  t.match(await text(page), day.evePurse, "Eve's purse is denied");
  await visit(t, page, '/incidents', 'operator-incidents', 'Incidents');
  await visit(t, page, '/fleet', 'operator-fleet', 'Fleet publishing');
  const publish = page.getByRole('form', { name: 'Publish the deny list' });
  await publish.getByRole('button').click();
  await publish.getByRole('status').waitFor({ timeout: 15_000 });
  t.match(await publish.getByRole('status').innerText(), /Published/, 'the deny list published from the page');
  const trust = page.getByRole('form', { name: 'Publish the trust list' });
  await trust.getByRole('button').click();
  await trust.getByRole('status').waitFor({ timeout: 15_000 });
  t.match(await trust.getByRole('status').innerText(), /Published version \d+/, 'the trust list published');
  const config = page.getByRole('form', { name: "Publish a terminal's config" });
  await config.getByLabel('Terminal id').fill('T-BUS-42');
  await config.getByLabel('Config (JSON)').fill(JSON.stringify({ currency: 'EUR', operatorId: 'OP-CITYBUS', line: '42', utcOffsetMinutes: 0, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 200 }] }));
  await config.getByRole('button').click();
  await config.getByRole('status').waitFor({ timeout: 15_000 });
  t.match(await config.getByRole('status').innerText(), /Published version \d+/, "the bus's new fare config signed and published");

  // Any merchant's payouts and refunds, picked by id.
  await page.getByRole('link', { name: 'Payouts' }).click();
  const pick = page.getByRole('form', { name: 'Choose a merchant' });
  await pick.getByLabel('Merchant id').fill('M-LUMIERE');
  await pick.getByRole('button', { name: 'Show' }).click();
  await page.getByRole('region', { name: 'Payouts by day (UTC), newest first' }).waitFor({ timeout: 15_000 });
  t.match(page.url(), /\/dashboard\/payouts\?merchant=M-LUMIERE$/, 'the merchant picked is in the address');
  await visit(t, page, '/payouts?merchant=M-LUMIERE', 'operator-payouts', 'Payouts');
  t.match(await text(page), /Due now\s+€10\.40[\s\S]*3 · €10\.40/, "the café's payouts, before any refund");
  await visit(t, page, '/refunds?merchant=M-LUMIERE', 'operator-refunds', 'Refunds');
  t.match(await text(page), 'No refund yet.');

  // The fraud case: both signed payments side by side, resolved with a reason.
  await visit(t, page, `/fraud/${caseId}`, 'operator-fraud-case', `Fraud case #${caseId}`);
  const first2 = await page.getByRole('region', { name: 'First payment (settled)' }).innerText();
  const second = await page.getByRole('region', { name: 'Second payment (flagged)' }).innerText();
  t.match(first2, day.evePurse, 'the first payment names the purse');
  t.match(second, day.evePurse, 'the second payment names the same purse');
  t.match(first2, /"seq": 1/);
  t.match(second, /"seq": 1/, 'the same sequence number: a double spend');
  const form = page.getByRole('form', { name: 'Resolve this case' });
  await form.getByLabel('Outcome').selectOption('charge-back');
  await form.getByLabel('Reason').fill('Same purse sequence spent at the café and on bus 42; customer confirmed the restored wallet copy.');
  await form.getByRole('button', { name: 'Resolve' }).click();
  await page.getByText('resolved', { exact: true }).first().waitFor({ timeout: 15_000 });
  await shoot(page, 'operator-fraud-case-resolved-desktop');
  const stored = await fetch(`${api.url}/v1/fraud-cases/${caseId}`, { headers: { authorization: `Bearer ${await accessToken(page)}` } }).then((r) => r.json() as Promise<{ status: string; resolution: { outcome: string; reason: string } }>);
  t.equal(stored.status, 'resolved', 'the back office recorded the resolution');
  t.equal(stored.resolution.outcome, 'charge-back');
  t.match(stored.resolution.reason, /restored wallet copy/);
  await context.close();
});

t.test('merchant: their terminals, statement, transactions, refunds and payouts; refused the operator pages', async (t) => {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'en-GB', timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  await signIn(page, api.url, 'merchant', PASSWORD, '/dashboard/', /\/dashboard\/statements$/);
  const nav = await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts();
  t.same(nav, ['Transactions', 'Terminals', 'Daily statements', 'Refunds', 'Payouts'], 'the merchant navigation');
  const cafe = day.approved.filter((p) => p.terminalId === 'T-CAFE-01');
  const bus = day.approved.filter((p) => p.terminalId === 'T-BUS-42');

  await visit(t, page, '/statements', 'merchant-statements', 'Daily statements');
  t.match(await text(page), /€10\.40/, "today's takings: 3.40 + 4.20 + 2.80");
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  t.match(download.suggestedFilename(), /^statement-M-LUMIERE-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync(await download.path(), 'utf8');
  t.match(csv, /^date,terminal,line,count,currency,amount\r\n/, 'a CSV header');
  t.match(csv, /,T-CAFE-01,payments,3,EUR,10\.40\r\n/, "the café terminal's line, amount in euros");

  await visit(t, page, '/transactions', 'merchant-transactions', 'Transactions');
  const mine = await text(page);
  for (const p of cafe) t.match(mine, short(p.txId), 'a café payment');
  for (const p of bus) t.notMatch(mine, short(p.txId), "not the bus operator's rides");
  const [txCsv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const rows = readFileSync(await txCsv.path(), 'utf8').trimEnd().split('\r\n');
  t.equal(rows.length, 1 + cafe.length, 'the CSV has a header and one line per café payment');
  for (const p of cafe) t.ok(rows.some((r) => r.startsWith(`${p.txId},settled,`) && r.endsWith(`,EUR,${(p.amount / 100).toFixed(2)}`)), `${short(p.txId)} in the CSV with its amount`);

  await visit(t, page, '/terminals', 'merchant-terminals', 'Terminals');
  t.match(await text(page), 'T-CAFE-01');
  t.notMatch(await text(page), 'T-BUS-42', "another merchant's terminal is not shown");
  await visit(t, page, '/terminals?view=map', 'merchant-terminals-map', 'Terminals');
  const onMap = await Promise.all((await page.locator('svg.map .marker').all()).map((m) => m.getAttribute('data-terminal')));
  t.same(onMap, ['T-CAFE-01'], 'their one terminal on the map, not the bus');

  await visit(t, page, `/transactions/${(cafe[0] as { txId: string }).txId}`, 'merchant-transaction', 'Transaction');
  t.match(await text(page), 'Sealed details exist but your role may not open them.', 'the merchant is told the payment carries sealed details');
  t.notMatch(await text(page), SEALED_NOTE, 'but never shown them');

  await visit(t, page, '/refunds', 'merchant-refunds', 'Refunds');
  const refund = page.getByRole('form', { name: 'Refund a payment' });
  await refund.getByLabel('Transaction id').fill((cafe[0] as { txId: string }).txId);
  await refund.getByLabel('Amount to refund').fill('1.00');
  await refund.getByLabel('Reason').fill('cold coffee');
  await refund.getByRole('button', { name: 'Refund' }).click();
  await refund.getByRole('status').or(refund.getByRole('alert')).waitFor({ timeout: 15_000 });
  t.match(await refund.innerText(), /Refunded; €1\.00 of this payment refunded in all, €2\.40 left\./, 'the refund went through, with what is left to refund');
  const made = page.getByRole('region', { name: 'Refunds, newest first' });
  await made.getByText('cold coffee').waitFor({ timeout: 15_000 });
  t.match(await made.innerText(), /by merchant[\s\S]*cold coffee[\s\S]*€1\.00/, 'the list of refunds shows it at once');
  await visit(t, page, '/refunds', 'merchant-refunds', 'Refunds');
  const [refundCsv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const refundRows = readFileSync(await refundCsv.path(), 'utf8').trimEnd().split('\r\n');
  t.equal(refundRows[0], 'refundId,time,txId,source,terminal,by,reason,currency,amount', 'the refunds CSV header');
  t.match(refundRows.slice(1), [new RegExp(`^[\\w-]+,\\d{4}-[^,]+,${(cafe[0] as { txId: string }).txId},merchant,,merchant,cold coffee,EUR,1\\.00$`)], 'one line: the refund, its payment and amount');

  await visit(t, page, '/payouts', 'merchant-payouts', 'Payouts');
  const today = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().slice(0, 10);
  t.match(await page.getByRole('region', { name: 'Payouts by day (UTC), newest first' }).innerText(), new RegExp(`${today}[\\s\\S]*3 · €10\\.40[\\s\\S]*1 · €1\\.00[\\s\\S]*€9\\.40`), "today's payout: three payments less the refund");
  const [payoutCsv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  t.same(readFileSync(await payoutCsv.path(), 'utf8').trimEnd().split('\r\n'), ['date,payments,payments amount,refunds,refunds amount,fraud paid,fraud paid amount,currency,net', `${today},3,10.40,1,1.00,0,0.00,EUR,9.40`], 'the payouts CSV');

  for (const path of ['/accounts', '/fraud', '/overview']) {
    await page.goto(`${api.url}/dashboard${path}`);
    const alert = page.locator('main [role=alert]');
    await alert.waitFor({ timeout: 15_000 });
    t.match(await alert.innerText(), /Refused.*for operator accounts/s, `${path} is refused in the app`);
  }
  await shoot(page, 'merchant-refused-desktop');
  // The API refuses too: a bus ride is not theirs to look at.
  await page.goto(`${api.url}/dashboard/transactions/${(bus[0] as { txId: string }).txId}`);
  const refused = page.locator('main [role=alert]');
  await refused.waitFor({ timeout: 15_000 });
  t.match(await refused.innerText(), /NOT_FOUND|API_FORBIDDEN/, "the API's refusal, code included");
  const status = await fetch(`${api.url}/v1/accounts`, { headers: { authorization: `Bearer ${await accessToken(page)}` } }).then((r) => r.status);
  t.equal(status, 403, 'and the API itself refuses the merchant the accounts');
  await context.close();
});

t.test("the overview's chart axes in the viewer's locale and time zone (fr-FR in São Paulo)", async (t) => {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, locale: 'fr-FR', timezoneId: 'America/Sao_Paulo' });
  const page = await context.newPage();
  await signIn(page, api.url, 'operator', PASSWORD, '/dashboard/overview', /\/dashboard\/overview$/);
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout: 15_000 });
  const volume = page.locator('figure.chart', { hasText: 'Settled volume per hour' });
  const axes = volume.locator('.axes');
  await page.waitForFunction("[...document.querySelectorAll('.chart .axes')].filter((e) => e.textContent.startsWith('Time axis')).length === 2", undefined, { timeout: 15_000 });
  const words = (await axes.textContent()) ?? '';
  const [, x = '', y = ''] = /^Time axis: (.*)\. Value axis: (.*)\.$/.exec(words) ?? [];
  const xs = x.split(', ');
  const ys = y.split(/, (?=-?\d)/);
  t.ok(xs.length >= 2 && xs.every((l) => /^\d{2}:\d{2}$/.test(l)), `time ticks as a French clock reads them (24 h): ${x}`);
  t.ok(ys.length >= 2 && ys.every((l) => /^-?[\d\s]+,\d{2}\s€$/.test(l)), `amounts as French euros ("3,40 €"): ${y}`);
  // The period shown is the chart's first and last hour in São Paulo time, not the server's or Paris's.
  const from = Number(await volume.getAttribute('data-from'));
  const hhmm = (zone: string) => new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone: zone }).format(new Date(from * 1000));
  const period = await volume.locator('figcaption .period').innerText();
  t.match(period, hhmm('America/Sao_Paulo'), `the period starts at São Paulo's ${hhmm('America/Sao_Paulo')}`);
  t.notMatch(period, hhmm('Europe/Paris'), "not at Paris's hour");
  await shoot(page, 'operator-overview-fr-desktop');
  await context.close();
});
