// Test harness for provisioning: a temp root, the commands run in-process with fake probes, a back office built from the protocol testkit, file snapshots.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Command } from 'commander';
import { ManualClock } from '#common';
import { NodeBackend, toHex, toQrText, verifyEnrolmentRequest, fromQrText, signObject, KeySigner, NobleBackend, type TrustList } from '#protocol';
import { type TestWorld, createTestWorld, seededSecret } from '#protocol/testkit';
import { type CheckProbes, type DeviceList, type ProvisionDeps, type RunResult, registerProvisionCommands, runProgram } from '#provisioning';

export interface Outcome {
  code: number;
  out: string;
  err: string;
  json?: Record<string, unknown>;
}

export const MACHINE_ID = '0123456789abcdef0123456789abcdef';

let shared: Promise<TestWorld> | undefined;
/** One world per test process: building it costs ~0.5 s (node:crypto verification, noble signing). */
export function getWorld(): Promise<TestWorld> {
  shared ??= createTestWorld({ backend: new NodeBackend() });
  return shared;
}

export function makeRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-prov-'));
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/machine-id'), `${MACHINE_ID}\n`);
  return root;
}

export const DEVICES: DeviceList = {
  serial: [
    { path: '/dev/ttyACM0', byId: '/dev/serial/by-id/usb-Honeywell_Scanner_123-if00', manufacturer: 'Honeywell', product: 'Barcode Scanner' },
    { path: '/dev/ttyUSB0', byId: '/dev/serial/by-id/usb-EPSON_TM-T20III_456-if00-port0', manufacturer: 'EPSON', product: 'TM-T20III Receipt' },
  ],
  hid: [],
  framebuffers: [{ path: '/dev/fb1', width: 480, height: 320, bitsPerPixel: 16, name: 'fb_ili9486' }],
  usblp: [],
};

export function okProbes(over: Partial<CheckProbes> = {}): CheckProbes {
  return {
    openDevice: async () => ({ ok: true, detail: 'opens' }),
    printerStatus: async () => ({ ok: true, detail: 'paper ok, cover closed' }),
    displayDraw: async () => ({ ok: true, detail: 'test pattern drawn' }),
    broker: async () => ({ ok: true, detail: 'TLS handshake ok' }),
    diskFree: async () => ({ freeBytes: 4 * 1024 ** 3, totalBytes: 16 * 1024 ** 3 }),
    ...over,
  };
}

/** systemctl answers as on a provisioned terminal; everything else (openssl) really runs. */
export async function fakeRun(cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult> {
  if (cmd === 'systemctl') return { code: 0, stdout: args[0] === 'is-enabled' ? 'enabled\n' : 'active\n', stderr: '' };
  return runProgram(cmd, args, opts);
}

export interface Harness {
  root: string;
  clock: ManualClock;
  deps: Partial<ProvisionDeps>;
  run(...args: string[]): Promise<Outcome>;
}

export function harness(root: string, nowSeconds: number, over: Partial<ProvisionDeps> = {}): Harness {
  const clock = new ManualClock(nowSeconds * 1000);
  const h: Harness = {
    root,
    clock,
    deps: {},
    async run(...args) {
      let out = '';
      let err = '';
      let code = -1;
      const program = new Command('tessera').exitOverride();
      program.configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (err += s) });
      registerProvisionCommands(program, {
        root,
        clock,
        io: { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`), interactive: false, ask: async () => { throw new Error('asked without a TTY'); } },
        listDevices: async () => DEVICES,
        probes: okProbes(),
        run: fakeRun,
        setExitCode: (c) => void (code = c),
        env: {},
        ...over,
        ...h.deps,
      });
      await program.parseAsync(['provision', ...args], { from: 'user' });
      let json: Record<string, unknown> | undefined;
      if (args.includes('--json')) json = JSON.parse(out) as Record<string, unknown>;
      return json ? { code, out, err, json } : { code, out, err };
    },
  };
  return h;
}

/** The back office: checks the enrolment request and issues a bundle with the testkit's root and issuer. */
export async function issueBundle(
  world: TestWorld,
  requestText: string,
  o: { terminalId?: string; publicKey?: Uint8Array; notAfter?: number; mode?: 'merchant' | 'transit'; fleet?: boolean; trustBytes?: Uint8Array; root?: Uint8Array } = {},
): Promise<Record<string, string>> {
  const r = verifyEnrolmentRequest(requestText, { trust: world.trust });
  if (!r.ok) throw new Error(`bad request: ${r.reason}`);
  const req = r.value.value;
  const cert = await world.terminalCert({
    terminalId: o.terminalId ?? req.terminalId,
    publicKey: o.publicKey ?? req.publicKey,
    ...(o.notAfter !== undefined ? { notAfter: o.notAfter } : {}),
    ...(o.mode ? { mode: o.mode } : {}),
  });
  const bundle: Record<string, string> = {
    format: 'tessera-bundle/1',
    terminalId: req.terminalId,
    terminalCert: toQrText('TERMINAL_CERT', cert.bytes),
    trustList: toQrText('TRUST_LIST', o.trustBytes ?? world.trustBytes),
    rootPublicKey: toHex(o.root ?? world.root.publicKey),
  };
  if (o.fleet) {
    bundle.config = toQrText('FLEET_MESSAGE', await world.fleetConfig(1, { currency: 'EUR', operatorId: 'OP-METRO', utcOffsetMinutes: 60, fares: [] }, req.terminalId));
    bundle.denylist = toQrText('FLEET_MESSAGE', await world.fleetDenylist(1, []));
  }
  return bundle;
}

/** The same world's trust list re-signed by the root with another version (for rollback tests). */
export async function trustListVersion(world: TestWorld, version: number): Promise<Uint8Array> {
  const tl: TrustList = { ...world.trustList, version };
  return signObject('TRUST_LIST', tl, world.root);
}

export function otherKey(seed: string): KeySigner {
  return new KeySigner(seededSecret(seed), new NobleBackend());
}

export function writeBundle(dir: string, name: string, bundle: unknown): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, typeof bundle === 'string' ? bundle : JSON.stringify(bundle));
  return f;
}

/** Every file under root: content hash, mode, mtime (what "changes nothing" means). */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.statSync(p);
        out[path.relative(root, p)] = `${createHash('sha256').update(fs.readFileSync(p)).digest('hex')} ${(st.mode & 0o777).toString(8)} ${st.mtimeMs}`;
      }
    }
  };
  walk(root);
  return out;
}

export { createTestWorld, fromQrText };

export const INIT = ['init', '--terminal-id', 'T-0042', '--merchant-id', 'M-CAFE', '--display-name', 'Café Tessera', '--mode', 'merchant'];

/** init + request; returns the TE1 text. */
export async function initialised(h: Harness): Promise<string> {
  const i = await h.run(...INIT);
  if (i.code !== 0) throw new Error(i.err);
  return (await h.run('request', '--json')).json?.request as string;
}

/** init + request + install of a good bundle. */
export async function installed(h: Harness, world: TestWorld): Promise<string> {
  const te1 = await initialised(h);
  const r = await h.run('install', writeBundle(h.root, 'good.json', await issueBundle(world, te1)));
  if (r.code !== 0) throw new Error(r.err);
  return te1;
}
