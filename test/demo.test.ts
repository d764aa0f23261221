// `make demo` end to end: the compiled demo script on the embedded broker and against a real mosquitto, its final line and its files.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMosquitto } from './support/mosquitto.js';

const DEMO = fileURLToPath(new URL('../scripts/demo.js', import.meta.url));
const LINE = /^demo: (\d+) approved offline, (\d+) synced, (\d+) settled, (\d+) lost, (\d+) double-spends caught$/;

/** Runs the demo as `make demo` does, bounded; the child is killed in teardown if it outlives the test. */
function runDemo(t: Test, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo did not finish within 90 s\n${stdout}\n${stderr}`));
    }, 90_000);
    t.teardown(() => {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Ana paid with the phone: the wallet app in Chromium scanned the café's screen, and its screenshots are in the report. */
function checkPhone(t: Test, out: string, stdout: string): void {
  t.match(stdout, /phone: Ana opened http:\/\/127\.0\.0\.1:\d+\/wallet\/ in Chromium .* signed in \(code \+ PKCE\), proved her key and got purse/, 'onboarded through the dev IdP and the wallet API');
  t.match(stdout, /café: charge EUR 3\.40 \(INV-1\) → QR on the framebuffer → Ana's phone \(offline\) scanned it with its camera, showed "Café Lumière" €3\.40/, 'the phone scanned the café terminal with its camera');
  t.match(stdout, /café: APPROVED offline .*\n.*bus: ana \(phone\) taps \(seq 2/, 'the café approved the code read off the phone; the phone then rode the bus');
  t.match(stdout, /phone: back online, the app reconciled on opening: €44\.10 left, €5\.20 settled/, 'the phone shows both payments settled');
  const report = readFileSync(join(out, 'report.md'), 'utf8');
  for (const f of ['phone-home.png', 'phone-confirm-INV-1.png', 'phone-code-INV-1.png', 'phone-transit-code.png', 'phone-settled.png', 'phone-history.png']) t.ok(report.includes(`](${f})`), `the phone's ${f} is in the report`);
}

function checkRun(t: Test, out: string, r: { code: number | null; stdout: string; stderr: string }): void {
  t.equal(r.code, 0, `the demo exits 0${r.code ? `\n${r.stdout}\n${r.stderr}` : ''}`);
  const lines = r.stdout.trimEnd().split('\n');
  t.ok(lines.length > 20, 'progress is shown step by step');
  const m = LINE.exec(lines.at(-1) ?? '');
  t.ok(m, `the last line is the summary: ${lines.at(-1)}`);
  if (!m) return;
  const [A, S, T, L, F] = m.slice(1).map(Number) as [number, number, number, number, number];
  t.ok(A > 0, 'payments were approved offline');
  t.equal(S, A, 'every approved payment reached the back office');
  t.equal(L, 0, 'nothing lost');
  t.equal(F, 1, 'the double spend was caught');
  t.equal(T, A - F, 'everything settled except the second spend of the same sequence');
  t.match(r.stdout, /DECLINED REVOKED/, 'the validator refused the denied purse');
  const report = readFileSync(join(out, 'report.md'), 'utf8');
  t.match(report, lines.at(-1) as string, 'the report carries the same line');
  const pngs = readdirSync(out).filter((f) => f.endsWith('.png'));
  t.ok(pngs.some((f) => f.startsWith('receipt-')) && pngs.some((f) => f.startsWith('cafe-request-')) && pngs.includes('bus-revoked.png'), 'screens and receipts were written');
  for (const f of pngs) {
    t.ok(report.includes(`](${f})`), `${f} is in the report`);
    t.same([...readFileSync(join(out, f)).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], `${f} is a PNG`);
  }
}

t.test('make demo on embedded defaults (aedes, emulated devices, SQLite files)', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'tessera-demo-out-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const r = await runDemo(t, ['--out', out]);
  checkRun(t, out, r);
  checkPhone(t, out, r.stdout);
});

t.test('make demo without Chromium says so and pays with the CLI wallet', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'tessera-demo-out-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const r = await runDemo(t, ['--out', out], { ...process.env, CHROMIUM: join(out, 'no-chromium') });
  checkRun(t, out, r);
  t.match(r.stdout, /phone: Chromium not found at .*no-chromium \(apt-get install chromium, or set CHROMIUM=\/path\/to\/chromium\) — Ana pays with the CLI wallet instead/);
  t.match(r.stdout, /café: charge EUR 3\.40 \(INV-1\) → QR on the framebuffer → ana's wallet read it from the PNG/);
  t.notOk(readdirSync(out).some((f) => f.startsWith('phone-')), 'no phone screenshots');
});

t.test('make demo against a real mosquitto (MQTT 5, shared subscription)', async (t) => {
  const broker = await startMosquitto({ persistence: false });
  t.teardown(() => broker.close());
  const out = mkdtempSync(join(tmpdir(), 'tessera-demo-out-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const r = await runDemo(t, ['--out', out, '--broker', broker.url]);
  checkRun(t, out, r);
  checkPhone(t, out, r.stdout);
  t.match(r.stdout, /shared subscription/);
  t.ok(existsSync(join(out, 'report.md')));
});

t.test('bad arguments fail with a one-line reason', async (t) => {
  const r = await runDemo(t, ['--nope']);
  t.not(r.code, 0);
  t.match(r.stderr, /unknown argument --nope/);
});
