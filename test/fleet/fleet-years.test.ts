// 400 simulated days of one fleet: a real `tessera daemon` under libfaketime, real mosquitto, continuous clearing, renewals and an issuer rotation.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import mqtt from 'mqtt';
import type { Clock } from '#common';
import { createKeyFile, decodeObject, fromQrText, loadKeyFile, signObject, toHex, toQrText, type KeySigner } from '#protocol';
import { BackOffice, ClearingService } from '#backoffice';
import { SerialScannerEmulator } from '#drivers';
import { ApiClient, createDatabase, type Decision } from '#terminal';
import { Wallet } from '#wallet';
import { installTrustList, createIssuerKey } from '../../backoffice/trust-admin.js';
import { parseRoles, signNextTrustList } from '../../backoffice/trust-ceremony.js';
import { startMosquitto } from '../support/mosquitto.js';
import { DaemonChild, METRO, until } from '../faults/harness.js';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const DAY = 86_400_000;
const H = 3_600_000;
const DAYS = 400;
const RENEW_DAY = 150;
const ROTATE_DAY = 200;
const RETIRE_DAY = 270;
const OFFLINE_DAY = 320;

interface Freshness {
  trust: { ageHours: number; state: string };
  denylist: { ageHours: number; state: string; installed: boolean };
}
interface Status {
  ready: boolean;
  notReady?: string;
  fleet: { trust: { version: number }; denylist: { version: number } | null };
  freshness: Freshness;
  journal: { head: number; ackedUpTo: number };
}

t.test('a fleet through 400 days: no honest payment declined for staleness online; offline past the limits TRUST_STALE, then recovery', { timeout: 240_000 }, async (t) => {
  if (!existsSync(LIBFAKETIME)) throw new Error(`${LIBFAKETIME} missing: install the Debian package faketime (scripts/install-system-deps.sh)`);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-years-'));
  const broker = await startMosquitto();
  // One simulated clock for everybody: real time plus an offset the test moves; the daemon reads it through libfaketime.
  let offsetMs = 0;
  const fakeFile = join(dir, 'faketime');
  const setOffset = (ms: number) => {
    offsetMs = ms;
    writeFileSync(fakeFile, `+${Math.round(ms / 1000)}\n`);
  };
  setOffset(0);
  const clock: Clock = { now: () => Date.now() + offsetMs, monotonic: () => performance.now() };
  const simDay = () => (clock.now() - start) / DAY;
  const start = clock.now();

  const bo = await BackOffice.init(join(dir, 'bo'), { clock });
  const vault = join(dir, 'offline-vault');
  renameSync(bo.paths.offlineDir, vault); // the root key leaves the online machine
  const root = loadKeyFile(join(vault, 'root.key'));
  let currentList = readFileSync(join(vault, 'trust-list.v1.txt'), 'utf8');
  const clearing = new ClearingService(bo, { url: broker.url, clientId: 'clearing-years', refreshEverySeconds: 3_600, refreshCheckMs: 20 });

  // The terminal: key, enrolment, bundle files, a pty scanner, API scan injection for payments.
  const etc = join(dir, 'etc');
  mkdirSync(etc);
  const identity = {
    keyFile: join(etc, 'terminal.key'),
    certFile: join(etc, 'terminal.cert'),
    trustListFile: join(etc, 'trust.list'),
    rootKeyFile: join(etc, 'root.pub'),
    fleetConfigFile: join(etc, 'fleet-config.msg'),
    denylistFile: join(etc, 'denylist.msg'),
  };
  const key = createKeyFile(identity.keyFile);
  const install = async () => {
    const req = await signObject('ENROLMENT_REQUEST', { terminalId: 'T-YEARS', publicKey: key.publicKey, hardwareId: 'years', time: Math.floor(clock.now() / 1000) }, key);
    const r = await bo.issueTerminal(toQrText('ENROLMENT_REQUEST', req), { mode: 'transit', merchantId: METRO.operatorId, displayName: 'Metro', config: METRO });
    writeFileSync(identity.certFile, `${r.bundle.terminalCert}\n`);
    writeFileSync(identity.trustListFile, `${r.bundle.trustList}\n`);
    writeFileSync(identity.rootKeyFile, `${r.bundle.rootPublicKey}\n`);
    writeFileSync(identity.fleetConfigFile, `${r.bundle.config as string}\n`);
    writeFileSync(identity.denylistFile, `${r.bundle.denylist as string}\n`);
    const d = fromQrText('FLEET_MESSAGE', r.bundle.denylist as string);
    const m = d.ok ? decodeObject('FLEET_MESSAGE', d.value) : d;
    return m.ok ? m.value.value.version : -1;
  };
  await install();
  const scanner = new SerialScannerEmulator(join(dir, 'ttyScanner'), join(dir, 'ttyScannerPeer'));
  await scanner.start();
  const socket = join(dir, 'control.sock');
  const configPath = join(etc, 'terminal.json');
  createDatabase(join(dir, 'terminal.db')); // as provisioning does: the daemon never creates its journal
  writeFileSync(
    configPath,
    JSON.stringify({
      identity,
      database: { path: join(dir, 'terminal.db') },
      api: { socket, allowScanInjection: true },
      transit: { resultDisplaySeconds: 0 },
      // Risk limits that a year of one payment a day never reaches; the list ages keep their defaults.
      limits: { maxPerPurseOffline: 100_000_000, maxUnsyncedAmount: 100_000_000, maxUnsyncedPayments: 100_000 },
      devices: { scanner: { type: 'serial', path: scanner.path, presenceCheckMs: 100, backoff: { initialMs: 50, maxMs: 300 } } },
      sync: { brokerUrl: broker.url, batchSize: 20, window: 4, ackTimeoutMs: 1_000, ackFlushMs: 20, reconnectMinMs: 50, reconnectMaxMs: 300, pollMs: 50, connectTimeoutMs: 2_000, statusIntervalMs: 500 },
      log: { level: 'warn' },
    }),
  );
  const api = new ApiClient({ socketPath: socket }, 10_000);
  const rig = { configPath, api };
  const env = { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: fakeFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' };
  let daemon = new DaemonChild(rig, env);
  t.teardown(async () => {
    await daemon.kill('SIGKILL').catch(() => undefined);
    await clearing.stop().catch(() => undefined);
    await scanner.stop().catch(() => undefined);
    await bo.close().catch(() => undefined);
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await clearing.start();
  await daemon.ready();
  const status = () => api.call<Status>('GET', '/v1/status');

  // Riders: a 60-day purse at a time, renewed with 5 days left, from whichever issuer key signs then.
  await bo.createAccount('rider');
  await bo.fund('rider', 100_000_000);
  let wallet: { w: Wallet; notAfter: number; kid: string } | undefined;
  let walletN = 0;
  const ensurePurse = async () => {
    if (wallet && wallet.notAfter - clock.now() > 5 * DAY) return;
    const w = Wallet.create(join(dir, `wallet-${walletN++}`), { clock });
    const p = await bo.issuePurse({ account: 'rider', walletKey: w.publicKey, cap: 1_000_000, perPaymentLimit: 1_000, days: 60 });
    w.importPurse(JSON.stringify(p.file));
    wallet = { w, notAfter: p.cert.notAfter * 1000, kid: toHex(bo.issuer.kid) };
  };

  const m = { payments: 0, approved: 0, approvedOldKeyInOverlap: 0, staleOnline: 0, otherDeclines: [] as string[], maxDenyAgeH: 0, maxTrustAgeH: 0, renewals: 0, rotations: 0, trustVersions: [] as number[], recoveryMs: 0, warnedTrustBeforeRenewal: false, mqttWarned: false };
  const pay = async (): Promise<Decision> => {
    await ensurePurse();
    const p = await (wallet as { w: Wallet }).w.payTransit({ operator: METRO.operatorId, line: METRO.line, max: 200 });
    m.payments++;
    return api.call<Decision>('POST', '/v1/scan', { code: p.text });
  };
  /** One honest payment while online: must never be declined for staleness. */
  const payOnline = async () => {
    const s = await status();
    m.maxDenyAgeH = Math.max(m.maxDenyAgeH, s.freshness.denylist.ageHours);
    m.maxTrustAgeH = Math.max(m.maxTrustAgeH, s.freshness.trust.ageHours);
    const d = await pay();
    if (d.outcome === 'approved') {
      m.approved++;
      if (oldIssuer && wallet?.kid === oldIssuer) m.approvedOldKeyInOverlap++;
    } else if (d.reason === 'TRUST_STALE') m.staleOnline++;
    else m.otherDeclines.push(`day ${simDay().toFixed(1)}: ${d.reason ?? d.outcome}`);
  };
  /** The back office's clearing published something newer: wait until the terminal applied it. */
  const applied = async (what: (s: Status) => boolean, label: string) => until(async () => what(await status()), 60_000, label);
  /** Clearing notices its hour passed and publishes a new deny list; the terminal applies it. */
  const refreshed = async (before: number) => {
    await until(async () => (await bo.ledger.denyList()).version > before, 60_000, 'clearing to re-sign the deny list');
    const v = (await bo.ledger.denyList()).version;
    await applied((s) => (s.fleet.denylist?.version ?? 0) >= v, `deny list v${v}`);
  };

  let oldIssuer: string | undefined;
  const ceremony = async (changes: Parameters<typeof signNextTrustList>[2]) => {
    // Offline machine: root key + current list only. Online: publish-trust's install, then clearing publishes it.
    const next = await signNextTrustList(root, currentList, changes, Math.floor(clock.now() / 1000));
    currentList = next.text;
    await installTrustList(bo, next.text);
    await clearing.refresh();
    await applied((s) => s.fleet.trust.version === next.list.version, `trust list v${next.list.version} on the terminal`);
    m.trustVersions.push(next.list.version);
    return next;
  };

  let newIssuer: KeySigner | undefined;
  for (let day = 1; day <= DAYS; day++) {
    const before = (await bo.ledger.denyList()).version;
    setOffset(offsetMs + DAY);
    await payOnline(); // at once: the deny list the terminal holds is usually still a day old
    await refreshed(before);

    if (day === RENEW_DAY - 10) {
      const s = await status();
      m.warnedTrustBeforeRenewal = s.freshness.trust.state === 'stale-soon' && s.ready;
      // The MQTT status says so too (retained, published on every fleet change and on its interval).
      const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
      const got = new Promise<string>((resolve) => c.on('message', (_tp, p) => resolve(p.toString())));
      await c.subscribeAsync('tessera/v1/terminals/T-YEARS/status', { qos: 1 });
      const body = JSON.parse(await got) as { freshness?: Freshness };
      await c.endAsync(true);
      m.mqttWarned = body.freshness?.trust.state === 'stale-soon';
    }
    if (day === RENEW_DAY) {
      await ceremony({});
      m.renewals++;
    }
    if (day === ROTATE_DAY) {
      oldIssuer = toHex(bo.issuer.kid);
      newIssuer = createIssuerKey(bo.paths, bo.trustList); // online; its public key goes to the ceremony
      await ceremony({ add: [{ publicKey: toHex(newIssuer.publicKey), roles: parseRoles('terminals,purses,fleet'), days: 3 * 365, name: 'issuer-2' }] });
      t.equal(toHex(bo.issuer.kid), toHex(newIssuer.kid), 'the back office signs with the new key once the list naming it is installed');
      // The technician re-installs the terminal with a certificate from the new key (a bundle); the daemon restarts.
      const bundled = await install();
      await daemon.kill('SIGTERM');
      daemon = new DaemonChild(rig, env);
      await daemon.ready();
      t.equal((await status()).fleet.denylist?.version, bundled, 'the newer deny list from the bundle is applied at start');
      const r = await api.call<{ ok: boolean; reason?: string }>('POST', '/v1/fleet', { text: readFileSync(join(vault, 'trust-list.v1.txt'), 'utf8').trim() });
      t.match(r, { ok: false, reason: 'ROLLBACK' }, 'an older trust list (from an old bundle) is refused');
      m.rotations++;
    }
    if (day === RETIRE_DAY) {
      await ceremony({ retire: [oldIssuer as string] });
      t.equal(bo.trustList.keys.some((k) => toHex(k.kid) === oldIssuer), false, 'the old issuer key is retired');
    }
    if (day === OFFLINE_DAY) {
      // The terminal loses the network for four days; clearing keeps running on the broker's other side.
      await broker.stop();
      await until(async () => !(await daemonOnline()), 10_000, 'the terminal to notice it is offline');
      setOffset(offsetMs + 60 * H);
      const warn = await status();
      t.match(warn, { ready: true, freshness: { denylist: { state: 'stale-soon' } } }, 'offline 60 h: tessera status warns before declining');
      const ok = await pay();
      t.equal(ok.outcome, 'approved', 'and still approves');
      setOffset(offsetMs + 20 * H);
      const stale = await status();
      t.match(stale, { ready: false, notReady: /deny list is .* h old/ }, 'offline 80 h: not ready');
      const d = await pay();
      t.match(d, { outcome: 'declined', reason: 'TRUST_STALE' }, 'offline past the deny-list limit: TRUST_STALE');
      const back = Date.now();
      await broker.start();
      await applied((s) => s.ready && s.freshness.denylist.state === 'fresh', 'the terminal to recover after reconnecting');
      m.recoveryMs = Date.now() - back;
      t.match(await pay(), { outcome: 'approved' }, 'reconnected: approves again');
    }
  }

  // Everything approved was settled by the continuous clearing.
  await api.call('POST', '/v1/sync', { wait: true, timeoutMs: 30_000 });
  const s = await status();
  const settled = (await bo.ledger.settlements()).length;
  t.equal(m.staleOnline, 0, 'no honest payment declined for staleness while online');
  t.same(m.otherDeclines, [], 'no other declines either');
  t.equal(m.approved, DAYS, 'one approval a day');
  t.ok(m.approvedOldKeyInOverlap > 0, `purses signed by the old issuer key kept paying during the overlap (${m.approvedOldKeyInOverlap})`);
  t.ok(m.warnedTrustBeforeRenewal && m.mqttWarned, 'the ageing trust list was announced (status and MQTT) before any decline');
  t.ok(m.maxDenyAgeH < 72 && m.maxTrustAgeH < 180 * 24, 'list ages stayed under their limits while online');
  t.equal(s.journal.ackedUpTo, s.journal.head, 'the whole journal acknowledged');
  t.equal(settled, m.approved + 2, 'every approval settled once (one a day, plus two around the offline segment)');
  t.same(m.trustVersions, [2, 3, 4]);
  t.comment(
    `fleet-years measured: ${Math.round(simDay())} simulated days, ${m.payments} payments (${settled} settled), ` +
      `${m.renewals} trust renewal, ${m.rotations} issuer rotation (trust lists v${m.trustVersions.join(', v')}), deny list v${(await bo.ledger.denyList()).version}, ` +
      `max deny-list age at a payment ${m.maxDenyAgeH.toFixed(1)} h (limit 72), max trust-list age ${(m.maxTrustAgeH / 24).toFixed(1)} days (limit 180), ` +
      `${m.approvedOldKeyInOverlap} payments with old-key purses during the overlap, recovery after reconnect ${m.recoveryMs} ms`,
  );

  async function daemonOnline(): Promise<boolean> {
    const st = await api.call<{ components: { sync?: { connected?: boolean } } }>('GET', '/v1/status');
    return st.components.sync?.connected === true;
  }
});
