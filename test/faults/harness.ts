// Fault-suite harness: a back-office-issued transit terminal run as a child daemon (pty scanner, SQLite, MQTT sync), wallets, clearing.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sqlite as Database } from '#common/node';
import { createKeyFile, signObject, toQrText } from '#protocol';
import { BackOffice, ClearingService, type Settlement } from '#backoffice';
import { Wallet } from '#wallet';
import { SerialScannerEmulator } from '#drivers';
import { ApiClient, createDatabase, type Decision } from '#terminal';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { startBroker, type ClientFiles } from '../../scripts/broker.js';

export const CLI = fileURLToPath(new URL('../../terminal/cli/main.js', import.meta.url));

export const METRO = { currency: 'EUR', operatorId: 'OP-METRO', line: 'L1', utcOffsetMinutes: 0, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 180 }] };

/** mulberry32: a small seeded RNG so a failing run can be replayed with its printed seed. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until<T>(f: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export interface FaultRigOptions {
  terminalId?: string;
  /** Extra config merged into the terminal config (top-level sections replaced). */
  config?: Record<string, unknown>;
  wallets?: number;
  /** Start the clearing service now (default true). */
  clearing?: boolean;
  /**
   * The production-shaped broker instead of the plain one: mutual TLS and the broker rules, with
   * the terminal's certificate and these back-office identities (scripts/broker.ts).
   */
  tlsBroker?: { backoffice: string[] };
  /** The back office's ledger: a postgres:// URL (default: SQLite in its home). */
  db?: string;
}

/** A real back office, broker, wallets and a provisioned terminal directory; the daemon runs as a child. */
export interface FaultRig {
  dir: string;
  terminalId: string;
  configPath: string;
  dbPath: string;
  socket: string;
  fareConfig: string;
  broker: Mosquitto;
  /** Client certificate files per identity (TLS broker only). */
  tlsFiles?: (id: string) => ClientFiles;
  bo: BackOffice;
  clearing: ClearingService | undefined;
  scanner: SerialScannerEmulator;
  wallets: Wallet[];
  api: ApiClient;
  startClearing(): Promise<void>;
  stopClearing(): Promise<void>;
  /** A fresh transit payment from wallet `i` (round robin by default). */
  pay(i?: number): Promise<{ text: string; txId: string }>;
  close(): Promise<void>;
}

let payCounter = 0;

export async function createFaultRig(o: FaultRigOptions = {}): Promise<FaultRig> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-faults-'));
  const terminalId = o.terminalId ?? 'T-FAULT';
  const tlsBroker = o.tlsBroker ? await startBroker({ clients: [terminalId], backoffice: o.tlsBroker.backoffice }) : undefined;
  const broker: Mosquitto = tlsBroker ?? (await startMosquitto());
  const bo = await BackOffice.init(join(dir, 'bo'), o.db ? { db: o.db } : {});
  const scanner = new SerialScannerEmulator(join(dir, 'ttyScanner'), join(dir, 'ttyScannerPeer'));
  await scanner.start();
  const devices = { scanner: { type: 'serial', path: scanner.path, presenceCheckMs: 100, backoff: { initialMs: 50, maxMs: 300 } } };
  const { configPath, dbPath, socket, fareConfig, api } = await provisionTransitTerminal(bo, dir, terminalId, { brokerUrl: broker.url, ...(tlsBroker ? { tls: tlsBroker.clientFiles(terminalId) } : {}), devices, config: o.config });

  const wallets: Wallet[] = [];
  for (let i = 0; i < (o.wallets ?? 3); i++) {
    const w = Wallet.create(join(dir, `wallet-${i}`));
    const account = `acct-${i}`;
    await bo.createAccount(account, `rider ${i}`);
    await bo.fund(account, 50_000_000);
    const p = await bo.issuePurse({ account, walletKey: w.publicKey, cap: 40_000_000, perPaymentLimit: 1_000, days: 30 });
    w.importPurse(JSON.stringify(p.file));
    wallets.push(w);
  }

  const rig: FaultRig = {
    dir,
    terminalId,
    configPath,
    dbPath,
    socket,
    fareConfig,
    broker,
    ...(tlsBroker ? { tlsFiles: (id: string) => tlsBroker.clientFiles(id) } : {}),
    bo,
    clearing: undefined,
    scanner,
    wallets,
    api,
    async startClearing() {
      if (rig.clearing) return;
      const identity = o.tlsBroker?.backoffice[0];
      rig.clearing = new ClearingService(bo, { url: broker.url, clientId: `clearing-${terminalId}`, ...(tlsBroker && identity ? { tls: tlsBroker.clientFiles(identity) } : {}) });
      await rig.clearing.start();
    },
    async stopClearing() {
      const c = rig.clearing;
      rig.clearing = undefined;
      await c?.stop();
    },
    async pay(i) {
      const w = wallets[(i ?? payCounter++) % wallets.length] as Wallet;
      const p = await w.payTransit({ operator: METRO.operatorId, line: METRO.line, max: 200 });
      return { text: p.text, txId: p.txId };
    },
    async close() {
      await rig.stopClearing().catch(() => undefined);
      await scanner.stop().catch(() => undefined);
      await bo.close().catch(() => undefined);
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (o.clearing !== false) await rig.startClearing();
  await installFareConfig(rig);
  return rig;
}

/** A transit terminal's files in `dir` (enrolled with the back office): what the daemon child needs to start. */
export interface ProvisionedTerminal {
  terminalId: string;
  configPath: string;
  dbPath: string;
  socket: string;
  /** The signed fare config of its bundle (TF1 text). */
  fareConfig: string;
  api: ApiClient;
}

/**
 * Enrols a transit terminal of METRO with a new key and writes its identity, an empty journal (as
 * provisioning does: the daemon never creates one) and its config (sync to `brokerUrl`; test-fast
 * timings; `config` merged last) under `dir`.
 */
export async function provisionTransitTerminal(
  bo: BackOffice,
  dir: string,
  terminalId: string,
  o: { brokerUrl: string; tls?: ClientFiles | undefined; devices: Record<string, unknown>; config?: Record<string, unknown> | undefined },
): Promise<ProvisionedTerminal> {
  const etc = join(dir, 'etc');
  const identity = { keyFile: join(etc, 'terminal.key'), certFile: join(etc, 'terminal.cert'), trustListFile: join(etc, 'trust.list'), rootKeyFile: join(etc, 'root.pub') };
  mkdirSync(etc, { recursive: true });
  const key = createKeyFile(identity.keyFile);
  const req = await signObject('ENROLMENT_REQUEST', { terminalId, publicKey: key.publicKey, hardwareId: 'fault-rig', time: Math.floor(Date.now() / 1000) }, key);
  const issued = await bo.issueTerminal(toQrText('ENROLMENT_REQUEST', req), { mode: 'transit', merchantId: METRO.operatorId, displayName: 'Metro', config: METRO });
  writeFileSync(identity.certFile, `${issued.bundle.terminalCert}\n`);
  writeFileSync(identity.trustListFile, `${issued.bundle.trustList}\n`);
  writeFileSync(identity.rootKeyFile, `${issued.bundle.rootPublicKey}\n`);
  const dbPath = join(dir, 'terminal.db');
  createDatabase(dbPath);
  const socket = join(dir, 'control.sock');
  const config = {
    identity,
    database: { path: dbPath },
    api: { socket, allowScanInjection: true },
    transit: { resultDisplaySeconds: 0 },
    limits: { maxPerPurseOffline: 100_000_000, maxUnsyncedAmount: 100_000_000, maxUnsyncedPayments: 100_000 },
    devices: o.devices,
    sync: { brokerUrl: o.brokerUrl, ...(o.tls ? { tls: o.tls } : {}), batchSize: 20, window: 4, ackTimeoutMs: 1_000, ackFlushMs: 50, reconnectMinMs: 50, reconnectMaxMs: 300, pollMs: 200, connectTimeoutMs: 2_000 },
    log: { level: 'warn' },
    ...o.config,
  };
  const configPath = join(etc, 'terminal.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { terminalId, configPath, dbPath, socket, fareConfig: issued.bundle.config as string, api: new ApiClient({ socketPath: socket }, 10_000) };
}

/** First boot: installs the signed fare config the bundle carries (as `tessera provision install` would), then stops. */
export async function installFareConfig(t: Pick<ProvisionedTerminal, 'configPath' | 'api' | 'fareConfig'>): Promise<void> {
  const first = new DaemonChild(t);
  try {
    await first.ready();
    const r = await t.api.call<{ ok: boolean }>('POST', '/v1/fleet', { text: t.fareConfig });
    if (!r.ok) throw new Error(`fare config refused: ${JSON.stringify(r)}`);
  } finally {
    await first.kill('SIGTERM');
  }
}

/** A `tessera daemon` child process with its approvals observed from outside, over the API's SSE stream. */
export class DaemonChild {
  readonly proc: ChildProcess;
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Decisions seen on SSE (what the display showed), in order. */
  readonly decisions: Decision[] = [];
  private sse: AbortController | undefined;

  constructor(
    readonly rig: Pick<FaultRig, 'configPath' | 'api'>,
    env: NodeJS.ProcessEnv = {},
  ) {
    this.proc = spawn(process.execPath, [CLI, 'daemon', '--config', rig.configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', TESSERA_LOG_LEVEL: 'warn', ...env },
    });
    this.proc.stderr?.on('data', (d: Buffer) => {
      if (this.stderr.length < 20_000) this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Waits until the API answers and the checkout is ready, then follows SSE decisions. */
  async ready(timeoutMs = 15_000): Promise<void> {
    await until(
      async () => {
        if (!this.alive) throw new Error(`daemon exited before ready: ${this.stderr}`);
        const s = await this.rig.api.call<{ ready: boolean; devices: { scanner: { state: string } } }>('GET', '/v1/status').catch(() => undefined);
        return s?.ready === true && s.devices.scanner.state === 'connected';
      },
      timeoutMs,
      'the daemon to be ready',
    );
    await this.follow();
  }

  /** Opens the SSE stream and resolves once its first (status) event arrived. */
  async follow(): Promise<void> {
    this.sse?.abort();
    const ac = new AbortController();
    this.sse = ac;
    let opened: () => void = () => undefined;
    const open = new Promise<void>((r) => (opened = r));
    this.rig.api
      .events((e) => {
        if (e.event === 'status') opened();
        if (e.event === 'decision') this.decisions.push(e.data as Decision);
        return false;
      }, ac.signal)
      .catch(() => undefined)
      .finally(opened);
    await open;
  }

  decisionFor(txId: string): Decision | undefined {
    return this.decisions.find((d) => d.txId === txId);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.sse?.abort();
    if (this.alive) this.proc.kill(signal);
    await Promise.race([this.exited, sleep(10_000).then(() => this.proc.kill('SIGKILL'))]);
  }
}

/** Runs the compiled `tessera` CLI; resolves with exit code and output. */
export function tessera(args: string[], timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export interface JournalFacts {
  head: number;
  approved: Map<string, number>;
  declined: number;
  ackedUpTo: number;
}

/** Reads the terminal journal directly (read-only) after the daemon has stopped. */
export function readJournal(dbPath: string): JournalFacts {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT idx, hex(tx_id) AS tx, decision FROM journal ORDER BY idx').all() as { idx: number; tx: string; decision: number }[];
    const approved = new Map<string, number>();
    let declined = 0;
    for (const r of rows) {
      if (r.decision === 0) approved.set(r.tx.toLowerCase(), r.idx);
      else declined++;
    }
    const acked = db.prepare("SELECT value FROM kv WHERE key = 'acked_upto'").get() as { value: string } | undefined;
    return { head: rows.at(-1)?.idx ?? 0, approved, declined, ackedUpTo: Number(acked?.value ?? 0) };
  } finally {
    db.close();
  }
}

export interface LossCheck {
  /** Human-readable problems; empty when nothing was lost or duplicated. */
  problems: string[];
  settled: number;
  approved: number;
}

/**
 * The invariant of the whole suite: every approval the display showed is in the journal, the
 * chain verifies (`tessera verify-journal`), and clearing settled every approved record exactly once.
 */
export async function checkNothingLost(rig: Pick<FaultRig, 'dbPath' | 'configPath' | 'terminalId' | 'bo'>, shown: Set<string>): Promise<LossCheck> {
  const problems: string[] = [];
  const j = readJournal(rig.dbPath);
  for (const tx of shown) if (!j.approved.has(tx)) problems.push(`approval ${tx} was shown but is not in the journal`);
  const v = await tessera(['verify-journal', '--json', '--config', rig.configPath]);
  if (v.code !== 0) problems.push(`verify-journal failed: ${v.stdout} ${v.stderr}`);
  else {
    const r = JSON.parse(v.stdout) as { ok: boolean; records: number };
    if (!r.ok || r.records !== j.head) problems.push(`verify-journal: ${v.stdout}`);
  }
  const settlements = (await rig.bo.ledger.settlements()).filter((s: Settlement) => s.terminalId === rig.terminalId);
  const count = new Map<string, number>();
  for (const s of settlements) count.set(s.txId, (count.get(s.txId) ?? 0) + 1);
  for (const [tx, n] of count) {
    if (n !== 1) problems.push(`${tx} settled ${n} times`);
    if (!j.approved.has(tx)) problems.push(`${tx} settled but not approved in the journal`);
  }
  for (const tx of j.approved.keys()) if (!count.has(tx)) problems.push(`approved ${tx} (index ${j.approved.get(tx)}) never settled`);
  const fraud = await rig.bo.ledger.fraudCases();
  if (fraud.length) problems.push(`clearing opened fraud cases: ${JSON.stringify(fraud.map((f) => [f.kind, f.detail]))}`);
  const bad = (await rig.bo.ledger.incidents()).filter((i) => i.kind !== 'gap');
  if (bad.length) problems.push(`clearing incidents: ${JSON.stringify(bad.map((i) => [i.kind, i.index, i.detail]))}`);
  if ((await rig.bo.ledger.trialBalance()) !== 0) problems.push('ledger trial balance is not 0');
  return { problems, settled: settlements.length, approved: j.approved.size };
}

/** Starts a daemon, drains the backlog to the back office (POST /v1/sync wait), stops it with SIGTERM. */
export async function drainAndStop(rig: FaultRig, timeoutMs = 30_000): Promise<void> {
  const d = new DaemonChild(rig);
  try {
    await d.ready();
    await rig.api.call('POST', '/v1/sync', { wait: true, timeoutMs });
    await d.kill('SIGTERM');
    const e = await d.exited;
    if (e.code !== 0) throw new Error(`daemon did not stop cleanly: ${JSON.stringify(e)} ${d.stderr}`);
  } finally {
    await d.kill('SIGKILL');
  }
}
