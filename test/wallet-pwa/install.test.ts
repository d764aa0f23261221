// Installability: the manifest and its icons, the app's own Install button on beforeinstallprompt, persistent storage asked for and its answer shown, and the pre-compressed app still precached for offline.
import t from 'tap';
import { PNG } from 'pngjs';
import { waitForServiceWorker, walletRig } from './harness.js';

interface Manifest {
  name?: string;
  short_name?: string;
  id?: string;
  start_url?: string;
  scope?: string;
  display?: string;
  icons?: { src: string; sizes: string; type: string; purpose?: string }[];
}

t.test('the manifest names the app and its icons exist at the sizes it declares', async (t) => {
  const rig = await walletRig(t, 'manifest');
  const res = await fetch(`${rig.web.url}manifest.webmanifest`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type') ?? '', /manifest\+json|json/);
  const m = (await res.json()) as Manifest;
  t.match(m, { name: 'Tessera wallet', short_name: 'Tessera', id: '/wallet/', start_url: '/wallet/', scope: '/wallet/', display: 'standalone' }, 'the fields an install needs');
  const sizes = new Set((m.icons ?? []).map((i) => i.sizes));
  t.ok(sizes.has('192x192') && sizes.has('512x512'), 'a 192 and a 512 icon');
  t.ok((m.icons ?? []).some((i) => i.purpose === 'maskable'), 'a maskable icon');
  for (const icon of m.icons ?? []) {
    const r = await fetch(new URL(icon.src, res.url));
    t.equal(r.status, 200, `${icon.src} loads`);
    t.equal(r.headers.get('content-type'), icon.type);
    const png = PNG.sync.read(Buffer.from(await r.arrayBuffer()));
    t.equal(`${png.width}x${png.height}`, icon.sizes, `${icon.src} is ${icon.sizes}`);
  }
  const html = await (await fetch(rig.web.url)).text();
  t.match(html, /<link rel="manifest" href="\/wallet\/manifest\.webmanifest"/, 'the page links it');
});

t.test('in Chromium: install prompt, persistent storage, and offline from a pre-compressed precache', { timeout: 120_000 }, async (t) => {
  const rig = await walletRig(t, 'install');
  const page = await rig.phone();
  // Records the app's persist() call; answers what the test chose (a refusal is what headless Chromium says).
  // Chromium itself may offer to install this installable app at a moment of its choosing: its own
  // beforeinstallprompt events are stopped before the app sees them, so the test alone drives the offer.
  await page.addInitScript(`{
    window.__persistCalls = 0;
    StorageManager.prototype.persist = function () { window.__persistCalls++; return Promise.resolve(localStorage.getItem('test.persist') === 'yes'); };
    addEventListener('beforeinstallprompt', (e) => { if (!e.fromTest) e.stopImmediatePropagation(); }, true);
  }`);
  const encodings = new Map<string, string | undefined>();
  page.on('response', (r) => void r.allHeaders().then((h) => encodings.set(new URL(r.url()).pathname, h['content-encoding'])));
  await page.goto(rig.web.url);
  await page.getByTestId('screen-home').waitFor();
  await waitForServiceWorker(page);

  // Manifest as Chromium parses it, and whether it would install the app.
  const cdp = await page.context().newCDPSession(page);
  const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: { message: string }[] };
  t.match(manifest.url, /\/wallet\/manifest\.webmanifest$/);
  t.same(manifest.errors, [], 'Chromium finds no error in the manifest');
  const installability = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
  t.same(installability.installabilityErrors.map((e) => e.errorId), [], 'and nothing stopping an install (manifest, icons, service worker)');
  await cdp.detach();

  // Persistent storage: asked on start, the refusal shown.
  await page.getByTestId('storage').waitFor();
  t.ok(Number(await page.evaluate('window.__persistCalls')) >= 1, 'the app asked for persistent storage');
  t.equal(await page.getByTestId('storage').getAttribute('data-persisted'), 'false');
  t.match(await page.getByTestId('storage').textContent(), /may clear this wallet’s key/, 'a refusal is told, not silent');
  await page.evaluate("localStorage.setItem('test.persist', 'yes')");
  await page.reload();
  await page.locator('[data-testid=storage][data-persisted=true]').waitFor();
  t.match(await page.getByTestId('storage').textContent(), /persistent/, 'a grant is shown too');

  // Install: no button until the browser offers; then the app's own button calls prompt() once.
  t.equal(await page.getByTestId('install').count(), 0, 'no Install button before the browser offers one');
  const prevented = await page.evaluate(`(() => {
    window.__prompts = 0;
    const e = new Event('beforeinstallprompt', { cancelable: true });
    e.fromTest = true;
    e.prompt = () => { window.__prompts++; return Promise.resolve({ outcome: 'accepted' }); };
    e.userChoice = Promise.resolve({ outcome: 'accepted', platform: 'web' });
    dispatchEvent(e);
    return e.defaultPrevented;
  })()`);
  t.equal(prevented, true, 'the app keeps the event for its own button (no browser mini-infobar)');
  await page.getByTestId('install').click();
  await page.getByTestId('install').waitFor({ state: 'detached' });
  t.equal(await page.evaluate('window.__prompts'), 1, 'Install called prompt() once, and the button went away');

  // Served pre-compressed, precached all the same: the app opens with no network.
  const script = [...encodings.keys()].find((p) => /^\/wallet\/assets\/.*\.js$/.test(p));
  t.ok(script, 'the app script was fetched');
  t.equal(encodings.get(script ?? ''), 'br', 'the app script came brotli-compressed');
  await page.context().setOffline(true);
  await page.reload();
  await page.getByTestId('screen-home').waitFor();
  t.equal(await page.getByTestId('network').textContent(), 'offline', 'the app opened from its precache');
});
