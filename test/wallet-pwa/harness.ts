// The wallet app's test rig: the built app over HTTP, a real back office with clearing over mosquitto, real `tessera daemon`s (pty scanner, framebuffer file) and Chromium on a phone viewport with the fake camera.
import { readFileSync, readdirSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { KeySigner, createKeyFile, fromQrText, signObject, toQrText } from '#protocol';
import { BackOffice, ClearingService } from '#backoffice';
import { ApiServer } from '../../backoffice/api/index.js';
import { SerialScannerEmulator, createFramebufferEmulator, renderFramebufferPng, type EmulatedFramebuffer } from '#drivers';
import { ApiClient, createDatabase } from '#terminal';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import type { PersistentBrowser } from '../support/browser.js';
import { decodePng, framebufferClip, getPurse, openPhone, signInAs } from '../support/phone.js';
import { DaemonChild, until } from '../faults/harness.js';

export const WALLET_DIST = join(process.cwd(), 'dist/web/wallet');

export const DEV_PASSWORD = 'wallet-test';
export const CUSTOMER_ACCOUNT = 'acct-ana';

/** `tessera-backoffice serve --dev-idp` in-process on the café's back office: the app at /wallet/, the API, the dev IdP. */
export async function serveBackOffice(bo: BackOffice): Promise<{ base: string; url: string; close(): Promise<void> }> {
  if (!existsSync(join(WALLET_DIST, 'index.html'))) throw new Error(`${WALLET_DIST} missing: run make build`);
  const server = new ApiServer({ backOffice: bo, host: '127.0.0.1', port: 0, devIdp: { merchantId: 'M-CAFE', accountId: CUSTOMER_ACCOUNT, password: DEV_PASSWORD }, rateLimit: 0, webRoot: join(process.cwd(), 'dist/web') });
  const { url } = await server.start();
  return { base: url, url: `${url}/wallet/`, close: () => server.stop() };
}

export interface Terminal {
  id: string;
  api: ApiClient;
  daemon: DaemonChild;
  scanner: SerialScannerEmulator;
  fb: EmulatedFramebuffer;
  /** Opens a payment request; resolves once the framebuffer shows its QR. */
  charge(amount: number): Promise<{ id: string; requestQr: string }>;
  /** The terminal's screen as the phone's camera sees it. */
  cameraClip(file: string): void;
  stop(): Promise<void>;
}

export interface Cafe {
  dir: string;
  bo: BackOffice;
  broker: Mosquitto;
  clearing: ClearingService;
  terminal(id: string, displayName?: string): Promise<Terminal>;
  close(): Promise<void>;
}

export async function createCafe(dir: string): Promise<Cafe> {
  const bo = await BackOffice.init(join(dir, 'bo'));
  const broker = await startMosquitto({ persistence: false });
  const clearing = new ClearingService(bo, { url: broker.url, clientId: 'clearing-wallet-pwa', expireEveryMs: 0 });
  await clearing.start();
  const terminals: Terminal[] = [];
  return {
    dir,
    bo,
    broker,
    clearing,
    async terminal(id, displayName = 'Café Tessera') {
      const t = await startTerminal(join(dir, id), bo, broker, id, displayName);
      terminals.push(t);
      return t;
    },
    async close() {
      for (const t of terminals) await t.stop().catch(() => undefined);
      await clearing.stop().catch(() => undefined);
      await bo.close().catch(() => undefined);
      await broker.close().catch(() => undefined);
    },
  };
}

async function startTerminal(dir: string, bo: BackOffice, broker: Mosquitto, id: string, displayName: string): Promise<Terminal> {
  const etc = join(dir, 'etc');
  mkdirSync(etc, { recursive: true });
  const identity = { keyFile: join(etc, 'terminal.key'), certFile: join(etc, 'terminal.cert'), trustListFile: join(etc, 'trust.list'), rootKeyFile: join(etc, 'root.pub'), denylistFile: join(etc, 'denylist.msg') };
  const key = createKeyFile(identity.keyFile);
  const req = await signObject('ENROLMENT_REQUEST', { terminalId: id, publicKey: key.publicKey, hardwareId: id, time: bo.now() }, key);
  const { bundle } = await bo.issueTerminal(toQrText('ENROLMENT_REQUEST', req), { mode: 'merchant', merchantId: 'M-CAFE', displayName });
  writeFileSync(identity.certFile, `${bundle.terminalCert}\n`);
  writeFileSync(identity.trustListFile, `${bundle.trustList}\n`);
  writeFileSync(identity.rootKeyFile, `${bundle.rootPublicKey}\n`);
  writeFileSync(identity.denylistFile, `${bundle.denylist as string}\n`);
  const fb = createFramebufferEmulator(dir, { width: 480, height: 320, bitsPerPixel: 16 });
  const scanner = new SerialScannerEmulator(join(dir, 'ttyScanner'), join(dir, 'ttyScannerPeer'));
  await scanner.start();
  const socket = join(dir, 'control.sock');
  const configPath = join(etc, 'terminal.json');
  createDatabase(join(dir, 'terminal.db'));
  writeFileSync(
    configPath,
    JSON.stringify({
      identity,
      database: { path: join(dir, 'terminal.db') },
      api: { socket },
      merchant: { resultDisplaySeconds: 0 },
      devices: {
        scanner: { type: 'serial', path: scanner.path, presenceCheckMs: 100, backoff: { initialMs: 50, maxMs: 300 } },
        display: { type: 'framebuffer', device: fb.device, sysfsRoot: fb.sysfsRoot },
      },
      sync: { brokerUrl: broker.url, batchSize: 20, window: 4, ackTimeoutMs: 1_000, ackFlushMs: 20, reconnectMinMs: 50, reconnectMaxMs: 300, pollMs: 50, connectTimeoutMs: 2_000, statusIntervalMs: 500 },
      log: { level: 'warn' },
    }),
  );
  const api = new ApiClient({ socketPath: socket }, 10_000);
  const daemon = new DaemonChild({ configPath, api });
  await daemon.ready();
  return {
    id,
    api,
    daemon,
    scanner,
    fb,
    async charge(amount) {
      const p = await api.call<{ id: string; requestQr: string }>('POST', '/v1/payments', { amount });
      await until(() => decodePng(renderFramebufferPng(fb)) === p.requestQr, 10_000, 'the request QR on the framebuffer');
      return p;
    },
    cameraClip(file) {
      framebufferClip(fb, file);
    },
    async stop() {
      await daemon.kill('SIGTERM');
      await scanner.stop().catch(() => undefined);
    },
  };
}

/** The main Chromium process on this profile (the one without --type=), found by its unique user-data dir. */
export function browserPid(profile: string): number {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd: string[];
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (cmd.includes(`--user-data-dir=${profile}`) && !cmd.some((a) => a.startsWith('--type='))) return Number(d);
  }
  throw new Error(`no browser running on ${profile}`);
}

/** A purse for the wallet key shown on the Account screen, issued by the back office and imported through the app. */
export async function givePurse(page: Page, bo: BackOffice, account: string, o: { cap?: number; perPaymentLimit?: number } = {}): Promise<string> {
  await page.getByTestId('account').click();
  const walletKey = (await page.getByTestId('public-key').textContent())?.trim() ?? '';
  await bo.createAccount(account).catch(() => undefined);
  await bo.fund(account, 100_000);
  const { file, purse } = await bo.issuePurse({ account, walletKey, cap: o.cap ?? 5_000, perPaymentLimit: o.perPaymentLimit ?? 2_500, days: 10 });
  await page.locator('details summary').click();
  await page.getByTestId('purse-file').fill(JSON.stringify(file));
  await page.getByTestId('import-purse').click();
  await page.getByTestId('account-message').filter({ hasText: 'added' }).waitFor();
  await page.getByRole('button', { name: 'Home' }).click();
  return purse.purseId;
}

/** A terminal key and certificate (enrolled with `bo`, or from another issuer's test world), to sign requests by hand. */
export interface RequestSigner {
  request(amount: number, time: number): Promise<string>;
}

export async function requestSigner(terminalCert: Uint8Array, key: KeySigner): Promise<RequestSigner> {
  return {
    async request(amount, time) {
      const bytes = await signObject('PAYMENT_REQUEST', { terminalCert, amount, currency: 'EUR', nonce: randomBytes(16), time }, key);
      return toQrText('PAYMENT_REQUEST', bytes);
    },
  };
}

/** A merchant terminal the back office certified, without a daemon (requests signed by the test). */
export async function certifiedSigner(bo: BackOffice, id: string, displayName = 'Café Tessera'): Promise<RequestSigner> {
  const key = KeySigner.generate();
  const req = await signObject('ENROLMENT_REQUEST', { terminalId: id, publicKey: key.publicKey, hardwareId: id, time: bo.now() }, key);
  const { bundle } = await bo.issueTerminal(toQrText('ENROLMENT_REQUEST', req), { mode: 'merchant', merchantId: 'M-CAFE', displayName });
  const cert = fromQrText('TERMINAL_CERT', bundle.terminalCert);
  if (!cert.ok) throw new Error(cert.detail);
  return requestSigner(cert.value, key);
}

/** On a phone without a camera: from home, pastes `text` after the "no camera" screen and returns where the app lands (confirm, receipt, or a problem's kind). */
export async function pasteCode(page: Page, text: string, start: 'pay' | 'scan-receipt' = 'pay'): Promise<string> {
  await page.getByTestId(start).click();
  // Wait for the camera's refusal first: a click while the screen changes would land on another button.
  await page.locator('[data-testid=screen-problem][data-kind=camera]').waitFor();
  await page.getByTestId('paste-instead').click();
  await page.getByTestId('paste-text').fill(text);
  await page.getByTestId('paste-check').click();
  const screen = page.locator('[data-testid=screen-confirm], [data-testid=screen-receipt], [data-testid=screen-problem]');
  await screen.waitFor();
  return (await screen.getAttribute('data-kind')) ?? ((await screen.getAttribute('data-testid')) ?? '').replace('screen-', '');
}

/** pasteCode on the pay flow. */
export const pasteRequest = (page: Page, text: string): Promise<string> => pasteCode(page, text, 'pay');

export { PHONE, decodePng, openPhone, readPaymentQr, waitForServiceWorker } from '../support/phone.js';

/** From home: signs in as the dev IdP's customer and comes back home. */
export const signIn = (page: Page): Promise<void> => signInAs(page, DEV_PASSWORD);

/** Signs in and gets a purse through the wallet API; returns its id. */
export async function onboard(page: Page, bo: BackOffice, capText = '50.00'): Promise<string> {
  await bo.createAccount(CUSTOMER_ACCOUNT, 'Ana').catch(() => undefined);
  await bo.fund(CUSTOMER_ACCOUNT, 100_000);
  await signIn(page);
  return getPurse(page, capText);
}

/** One test's world: the café (back office, clearing, broker), the API serving the app, and the phone currently open. */
export interface WalletRig {
  dir: string;
  cafe: Cafe;
  web: { base: string; url: string };
  /** Closes the open phone (if any) and opens one on `profile` (default a new one under dir) with `clip` as camera. */
  phone(profile?: string, clip?: string): Promise<Page>;
  closePhone(): Promise<void>;
}

export async function walletRig(t: Test, name: string): Promise<WalletRig> {
  const dir = mkdtempSync(join(tmpdir(), `tessera-pwa-${name}-`));
  const cafe = await createCafe(dir);
  const web = await serveBackOffice(cafe.bo);
  let current: PersistentBrowser | undefined;
  let n = 0;
  const closePhone = async () => {
    await current?.close().catch(() => undefined);
    current = undefined;
  };
  t.teardown(async () => {
    await closePhone();
    await web.close();
    await cafe.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    cafe,
    web,
    closePhone,
    async phone(profile = join(dir, `phone-${++n}`), clip) {
      await closePhone();
      current = await openPhone(profile, clip);
      return current.context.pages()[0] ?? (await current.context.newPage());
    },
  };
}
