// `provision check`: a ✓/⚠/✗ checklist of everything a working terminal needs, each ✗ with its fix.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '#common';
import { TrustStore, decodeObject, equalBytes, fromHex, fromQrText, loadKeyFile, verifyTerminalCert, verifyTrustList, type KeySigner, type TrustList } from '#protocol';
import { type ConfigObject, isObject } from '../config.js';
import { type StepContext, type StepResult, readText } from '../context.js';
import { SERVICE_UNIT, type ProbeResult, type SyncConfig } from '../types.js';
import { describe } from './devices.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export interface CheckItem {
  id: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export const CERT_WARN_DAYS = 30;
export const TRUST_WARN_DAYS = 7;
export const TRUST_FAIL_DAYS = 30;
export const DISK_FAIL_BYTES = 100 * 1024 * 1024;
export const DISK_WARN_BYTES = 500 * 1024 * 1024;
/** No terminal runs before this (2025-01-01): a clock behind it lost its time. */
export const CLOCK_FLOOR = 1_735_689_600;
const PROBE_TIMEOUT_MS = 10_000;
const DAY = 86_400;
const SYMBOL: Record<CheckStatus, string> = { ok: '✓', warn: '⚠', fail: '✗', skip: '–' };

async function bounded(what: string, p: () => Promise<ProbeResult>): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `${what} did not answer within ${PROBE_TIMEOUT_MS / 1000} s` }), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([p().catch((e: unknown) => ({ ok: false, detail: errorMessage(e) })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function days(s: number): string {
  return `${Math.floor(s / DAY)} days`;
}

/** Nearest existing directory at or above p (statfs needs one). */
function existingDir(p: string): string {
  let d = p;
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

export async function runCheck(ctx: StepContext): Promise<StepResult> {
  const items: CheckItem[] = [];
  const add = (id: string, status: CheckStatus, detail: string, fix?: string): void => {
    items.push(fix !== undefined && status !== 'ok' ? { id, status, detail, fix } : { id, status, detail });
  };
  const now = ctx.nowSeconds();
  let config: ConfigObject | undefined;
  try {
    config = ctx.requireConfig();
    ctx.deps.validateConfig(config);
    add('config', 'ok', `${ctx.configPath} valid`);
  } catch (e) {
    add('config', 'fail', errorMessage(e), config ? `fix the field named, or restore ${ctx.configPath}.prev` : 'run: tessera provision init');
  }

  // Key.
  const keyPath = ctx.filePath(config, 'key');
  let key: KeySigner | undefined;
  try {
    key = loadKeyFile(ctx.at(keyPath));
    const st = fs.statSync(ctx.at(keyPath));
    const user = ctx.deps.serviceUser();
    if (user && st.uid !== user.uid) add('key', 'fail', `${keyPath} is owned by uid ${st.uid}, not the service user`, `chown tessera: ${keyPath}`);
    else add('key', 'ok', `${keyPath} present, mode 0600`);
  } catch (e) {
    add('key', 'fail', errorMessage(e), fs.existsSync(ctx.at(keyPath)) ? `chmod 600 ${keyPath}` : 'run: tessera provision init');
  }

  // Root key and trust list.
  const rootPath = ctx.filePath(config, 'rootPublicKey');
  const tlPath = ctx.filePath(config, 'trustList');
  let trust: TrustList | undefined;
  try {
    const rootHex = readText(ctx.at(rootPath))?.trim();
    const tlText = readText(ctx.at(tlPath))?.trim();
    if (!rootHex || !tlText) throw new Error(`${!rootHex ? rootPath : tlPath} is missing`);
    const b = fromQrText('TRUST_LIST', tlText);
    if (!b.ok) throw new Error(`${tlPath}: ${b.reason} ${b.detail}`);
    const v = verifyTrustList(b.value, { rootPublicKey: fromHex(rootHex) });
    if (!v.ok) throw new Error(`${tlPath} does not verify against ${rootPath}: ${v.reason} (${v.detail})`);
    trust = v.value.value;
    const age = now - trust.issuedAt;
    const detail = `version ${trust.version}, issued ${days(Math.max(0, age))} ago`;
    if (age > TRUST_FAIL_DAYS * DAY) add('trust-list', 'fail', `${detail} (older than ${TRUST_FAIL_DAYS} days)`, 'connect the broker so sync fetches the current list, or install a fresh bundle');
    else if (age > TRUST_WARN_DAYS * DAY) add('trust-list', 'warn', `${detail} (older than ${TRUST_WARN_DAYS} days)`, 'check that sync reaches the broker');
    else add('trust-list', 'ok', detail);
  } catch (e) {
    add('trust-list', 'fail', errorMessage(e), 'run: tessera provision install BUNDLE');
  }

  // Clock: never before the trust list was issued (a Pi without RTC boots into the past).
  const floor = Math.max(CLOCK_FLOOR, trust?.issuedAt ?? 0);
  if (now < floor) add('clock', 'fail', `clock reads ${new Date(now * 1000).toISOString()}, before ${new Date(floor * 1000).toISOString()}`, 'set the time: timedatectl set-ntp true (or date -s) and check the network time source');
  else add('clock', 'ok', `${new Date(now * 1000).toISOString()}`);

  // Certificate.
  const certPath = ctx.filePath(config, 'cert');
  try {
    const text = readText(ctx.at(certPath))?.trim();
    if (!text) throw new Error(`${certPath} is missing`);
    if (!trust) throw new Error('cannot verify without a valid trust list');
    const r = verifyTerminalCert(text, { trust: new TrustStore(trust), now });
    if (!r.ok) {
      const b = fromQrText('TERMINAL_CERT', text);
      const d = b.ok ? decodeObject('TERMINAL_CERT', b.value) : undefined;
      throw new Error(`${r.reason}: ${r.detail}${d?.ok ? ` (terminal ${d.value.value.terminalId})` : ''}`);
    }
    const c = r.value.value;
    if (key && !equalBytes(key.publicKey, c.publicKey)) throw new Error(`${certPath} is for another key`);
    const term = config && isObject(config.terminal) ? config.terminal : undefined;
    if (term && c.terminalId !== term.id) throw new Error(`${certPath} is for terminal ${c.terminalId}, config says ${String(term.id)}`);
    if (term && c.mode !== term.mode) throw new Error(`${certPath} is for a ${c.mode} terminal, config says ${String(term.mode)}`);
    const left = c.notAfter - now;
    if (left < CERT_WARN_DAYS * DAY) add('certificate', 'warn', `expires in ${days(left)} (${new Date(c.notAfter * 1000).toISOString()})`, 'renew: tessera provision request, then install the new bundle');
    else add('certificate', 'ok', `${c.terminalId} valid for ${days(left)}`);
  } catch (e) {
    add('certificate', 'fail', errorMessage(e), 'run: tessera provision request, have the back office issue a bundle, then tessera provision install BUNDLE');
  }

  // Devices, through the drivers. The running daemon holds serial ports: say so in the fix.
  const devices = config && isObject(config.devices) ? config.devices : {};
  const transit = config && isObject(config.terminal) && config.terminal.mode === 'transit';
  const probeCtx = { at: (p: string) => ctx.at(p) };
  const busyHint = `; if ${SERVICE_UNIT} is running it holds the device: stop it for the check, or see tessera status`;
  for (const role of ['scanner', 'printer', 'display'] as const) {
    const d = devices[role];
    if (role === 'printer' && transit && !isObject(d)) {
      add(role, 'ok', 'not used in transit mode');
      continue;
    }
    if (d === null) {
      add(role, 'ok', 'none (configured so)');
      continue;
    }
    if (!isObject(d)) {
      add(role, 'fail', `no ${role} configured`, `run: tessera provision devices --${role} … (or --${role} none)`);
      continue;
    }
    const open = await bounded(`${role} open`, () => ctx.deps.probes.openDevice(role, d, probeCtx));
    add(role, open.ok ? 'ok' : 'fail', `${describe(d)}: ${open.detail}`, `check the cable and permissions (group dialout/lp/video), or re-run: tessera provision devices --${role} …${busyHint}`);
    if (!open.ok) continue;
    if (role === 'printer') {
      const s = await bounded('printer status', () => ctx.deps.probes.printerStatus(d, probeCtx));
      add('printer-status', s.ok ? 'ok' : 'fail', s.detail, 'load paper, close the cover, and clear the error on the printer');
    } else if (role === 'display') {
      const s = await bounded('display draw', () => ctx.deps.probes.displayDraw(d, probeCtx));
      add('display-draw', s.ok ? 'ok' : 'fail', s.detail, 'check the display geometry and that the framebuffer driver is loaded');
    }
  }

  // Broker.
  const sync = config && isObject(config.sync) ? (config.sync as unknown as SyncConfig) : undefined;
  if (!sync || typeof sync.brokerUrl !== 'string') add('broker', 'fail', 'no broker configured', 'run: tessera provision broker --url mqtts://… --ca FILE');
  else {
    const r = await bounded('broker', () => ctx.deps.probes.broker(sync, probeCtx));
    add('broker', r.ok ? 'ok' : 'fail', `${sync.brokerUrl}: ${r.detail}`, 'check the URL, the network, the CA and client certificate (tessera provision broker)');
  }

  // Disk.
  const stateDir = ctx.stateDir(config);
  try {
    const { freeBytes } = await ctx.deps.probes.diskFree(existingDir(ctx.at(stateDir)));
    const mb = `${Math.floor(freeBytes / 1024 / 1024)} MiB free on ${stateDir}`;
    if (freeBytes < DISK_FAIL_BYTES) add('disk', 'fail', mb, 'free space: journalctl --vacuum-size=50M, remove old packages');
    else if (freeBytes < DISK_WARN_BYTES) add('disk', 'warn', mb, 'free some space before the journal grows');
    else add('disk', 'ok', mb);
  } catch (e) {
    add('disk', 'fail', errorMessage(e), `check that ${stateDir} is mounted`);
  }

  // Service.
  for (const [id, verb, want, fix] of [
    ['service-enabled', 'is-enabled', 'enabled', `systemctl enable ${SERVICE_UNIT}`],
    ['service-running', 'is-active', 'active', `systemctl start ${SERVICE_UNIT}; journalctl -u ${SERVICE_UNIT} -n 50 says why it stopped`],
  ] as const) {
    try {
      const r = await ctx.deps.run('systemctl', [verb, SERVICE_UNIT], { timeoutMs: PROBE_TIMEOUT_MS });
      const state = r.stdout.trim() || r.stderr.trim().split('\n')[0] || `exit ${String(r.code)}`;
      add(id, state === want ? 'ok' : 'fail', `${SERVICE_UNIT} ${state}`, fix);
    } catch (e) {
      add(id, 'fail', `systemctl: ${errorMessage(e)}`, fix);
    }
  }

  const failed = items.filter((i) => i.status === 'fail').length;
  const lines = items.map((i) => `${SYMBOL[i.status]} ${i.id}: ${i.detail}${i.fix ? `\n    fix: ${i.fix}` : ''}`);
  lines.push(failed === 0 ? 'all checks passed' : `${failed} check${failed === 1 ? '' : 's'} failed`);
  return { ok: failed === 0, changed: [], lines, data: { checks: items, failed } };
}
