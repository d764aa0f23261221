// A wallet copied to a second device (a restored backup) pays twice with one sequence: clearing catches it, denies the purse, and the wallet shows it revoked.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { until } from '../faults/harness.js';
import { onboard, pasteRequest, readPaymentQr, walletRig, type Terminal } from './harness.js';

t.test('a double spend from two devices is caught by clearing and the wallet shows the purse revoked', { timeout: 240_000 }, async (t) => {
  const rig = await walletRig(t, 'double');
  const { dir, cafe, web } = rig;
  const [ta, tb] = [await cafe.terminal('T-A', 'Café Tessera'), await cafe.terminal('T-B', 'Café Tessera Gare')];
  const open = async (profile: string): Promise<Page> => {
    const page = await rig.phone(profile);
    await page.goto(web.url);
    return page;
  };
  /** Pays the terminal's next request from the phone (pasted: these phones have no camera) and returns the decision. */
  const pay = async (page: Page, term: Terminal, amount: number): Promise<{ status: string; seq: number }> => {
    const req = await term.charge(amount);
    t.equal(await pasteRequest(page, req.requestQr), 'confirm');
    await page.getByTestId('confirm').click();
    const seq = Number(await page.getByTestId('screen-show').getAttribute('data-seq'));
    await term.scanner.present(await readPaymentQr(page));
    const p = await until(async () => {
      const s = await term.api.call<{ status: string }>('GET', `/v1/payments/${req.id}`);
      return s.status !== 'pending' ? s : undefined;
    }, 15_000, 'a decision');
    await page.getByTestId('done').click();
    return { status: p.status, seq };
  };

  const first = join(dir, 'phone-1');
  let page = await open(first);
  const purseId = await onboard(page, cafe.bo, '40.00');
  await rig.closePhone();
  // The second device: a copy of the whole profile, key and counter included (what a restored backup is).
  const second = join(dir, 'phone-2');
  cpSync(first, second, { recursive: true });

  page = await open(first);
  t.same(await pay(page, ta, 300), { status: 'approved', seq: 1 }, 'device 1 pays at terminal A');
  await rig.closePhone();
  page = await open(second);
  t.same(await pay(page, tb, 400), { status: 'approved', seq: 1 }, 'device 2 reuses seq 1 at terminal B (offline, it cannot know)');
  await rig.closePhone();

  const fraud = await until(async () => (await cafe.bo.ledger.fraudCases()).find((f) => f.purseId === purseId), 30_000, 'clearing to open a fraud case');
  t.equal(fraud.kind, 'double-spend', 'clearing caught the double spend');
  t.ok((await cafe.bo.ledger.denyList()).purseIds.includes(purseId), 'and denied the purse');

  // Either device, next time it opens online, learns the purse is revoked and refuses to pay from it.
  page = await open(first);
  await page.locator('[data-testid=purse][data-state=denied]').waitFor();
  t.match(await page.getByTestId('purse').textContent(), /Revoked by the issuer/, 'the wallet shows the purse revoked');
  const req = await ta.charge(100);
  t.equal(await pasteRequest(page, req.requestQr), 'purse-revoked', 'and pays nothing more from it');
});
