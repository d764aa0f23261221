// Measures the dashboard's first load: gzipped bytes of what the first screen fetches, and time to interactive with an empty browser cache.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BackOffice } from '#backoffice';
import { ApiServer } from '../backoffice/api/index.js';
import { launchBrowser } from '../test/support/browser.js';

const USAGE = `usage: node dist/scripts/dashboard-perf.js [--runs N] [--json]
  Builds nothing: measures dist/web/dashboard as \`make build\` left it.
  --runs N  page loads per figure, each in a fresh browser context (empty cache); the median is reported (default 7)
  --json    one JSON object instead of text`;

function parseArgs(argv: string[]): { runs: number; json: boolean } {
  const o = { runs: 7, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a === '--json') o.json = true;
    else if (a === '--runs') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error('--runs must be a positive integer');
      o.runs = n;
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return o;
}

/** What the first screen loads: index.html, its entry script and stylesheet, the chunks it preloads, config.json. */
export function firstLoad(root: string): { files: { file: string; bytes: number; gzip: number }[]; gzip: number } {
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="\/dashboard\/([^"]+)"/g)].map((m) => m[1] as string);
  const files = ['index.html', 'config.json', ...refs].map((file) => {
    const b = readFileSync(join(root, file));
    return { file, bytes: b.length, gzip: gzipSync(b, { level: 9 }).length };
  });
  return { files, gzip: files.reduce((a, f) => a + f.gzip, 0) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const root = resolve('dist/web/dashboard');
  const size = firstLoad(root);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-dash-perf-'));
  const bo = await BackOffice.init(join(dir, 'bo'));
  const server = new ApiServer({ backOffice: bo, host: '127.0.0.1', port: 0, rateLimit: 0, devIdp: { password: 'perf' }, webRoot: resolve('dist/web') });
  const { url } = await server.start();
  const browser = await launchBrowser();
  try {
    // Sign-in screen: navigation start → the Sign in button can be clicked.
    const signInScreen: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${url}/dashboard/`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor({ state: 'visible' });
      signInScreen.push(await page.evaluate<number>('performance.now()'));
      await context.close();
    }
    // Signed in, empty cache: navigation start → the Accounts page has its data (an operator's session put in place first).
    const login = await browser.newContext();
    const lp = await login.newPage();
    await lp.goto(`${url}/dashboard/accounts`);
    await lp.getByRole('button', { name: 'Sign in' }).click();
    await lp.fill('#username', 'operator');
    await lp.fill('#password', 'perf');
    await lp.getByRole('button', { name: 'Sign in' }).click();
    await lp.getByRole('button', { name: 'Sign out' }).waitFor();
    const stored = await lp.evaluate<string>("sessionStorage.getItem('tessera.session') || ''");
    await login.close();
    const signedIn: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      const context = await browser.newContext();
      await context.addInitScript(`sessionStorage.setItem('tessera.session', ${JSON.stringify(stored)})`);
      const page = await context.newPage();
      await page.goto(`${url}/dashboard/accounts`);
      await page.getByRole('region', { name: 'Accounts' }).or(page.getByText('Nothing here yet.')).first().waitFor();
      signedIn.push(await page.evaluate<number>('performance.now()'));
      await context.close();
    }
    const r = { firstLoadGzipBytes: size.gzip, files: size.files, signInInteractiveMs: Math.round(median(signInScreen)), signedInPageMs: Math.round(median(signedIn)), runs: o.runs };
    if (o.json) console.log(JSON.stringify(r));
    else {
      for (const f of size.files) console.log(`${f.file.padEnd(40)} ${String(f.bytes).padStart(8)} B  gzip ${String(f.gzip).padStart(7)} B`);
      console.log(`first load: ${(size.gzip / 1024).toFixed(1)} KB gzipped`);
      console.log(`sign-in screen interactive (median of ${o.runs}, empty cache): ${r.signInInteractiveMs} ms`);
      console.log(`signed-in Accounts page with its data (median of ${o.runs}, empty cache): ${r.signedInPageMs} ms`);
    }
  } finally {
    await browser.close();
    await server.stop();
    await bo.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`dashboard-perf failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
