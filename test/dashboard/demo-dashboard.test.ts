// `make demo DEMO_ARGS=--dashboard`: after the day, the dashboard URL and seeded logins are printed and the back office stays up until Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { DEMO_LOCATIONS } from '../../scripts/demo-world.js';
import { accessToken, launchOneBrowser, signIn } from './browse.js';

const DEMO = fileURLToPath(new URL('../../scripts/demo.js', import.meta.url));

t.test('the demo ends by serving the dashboard on its day, with a seeded login that sees the double spend', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'tessera-demo-dash-'));
  const child = spawn(process.execPath, [DEMO, '--out', out, '--dashboard', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(out, { recursive: true, force: true });
  });
  let stdout = '';
  child.stderr.resume();
  const ready = new Promise<{ url: string; password: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no dashboard line within 120 s:\n${stdout}`)), 120_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /^dashboard: (http:\/\/\S+)\/dashboard\/$/m.exec(stdout)?.[1];
      const password = /^ {2}sign in as operator \/ (\S+)/m.exec(stdout)?.[1];
      if (url && password && /sign in as merchant/.test(stdout)) {
        clearTimeout(timer);
        resolve({ url, password });
      }
    });
    child.once('exit', () => reject(new Error(`the demo exited before serving the dashboard:\n${stdout}`)));
  });
  const { url, password } = await ready;
  t.match(stdout, /^demo: \d+ approved offline, \d+ synced, \d+ settled, 0 lost, 1 double-spends caught$/m, 'the day ran first');
  t.match(stdout, /sign in as merchant \/ \S+/, 'and a merchant login');

  const browser = await launchOneBrowser();
  try {
    const page = await browser.newPage();
    await signIn(page, url, 'operator', password, '/dashboard/fraud', /\/dashboard\/fraud$/);
    const cases = (await fetch(`${url}/v1/fraud-cases`, { headers: { authorization: `Bearer ${await accessToken(page)}` } }).then((r) => r.json())) as { items: { kind: string }[] };
    t.same(cases.items.map((c) => c.kind), ['double-spend'], "the day's double spend is there to look at");
    const fleet = (await fetch(`${url}/v1/terminals`, { headers: { authorization: `Bearer ${await accessToken(page)}` } }).then((r) => r.json())) as { items: { terminalId: string; location: unknown }[] };
    t.same(Object.fromEntries(fleet.items.map((x) => [x.terminalId, x.location])), DEMO_LOCATIONS, "the day's terminals stand where the map draws them");
  } finally {
    await browser.close();
  }
  child.kill('SIGINT');
  t.equal(await exited, 0, 'Ctrl-C stops it cleanly');
});
