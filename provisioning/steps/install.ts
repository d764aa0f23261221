// `provision install BUNDLE`: checks the trust bundle completely (root, trust list, certificate, key, terminal id) and only then installs it.
import * as fs from 'node:fs';
import { TesseraError } from '#common';
import {
  BUNDLE_FORMAT,
  type Decoded,
  type TrustBundle,
  TrustStore,
  decodeObject,
  equalBytes,
  fromHex,
  fromQrText,
  loadKeyFile,
  toHex,
  verifyFleetMessage,
  verifyTerminalCert,
  verifyTrustList,
} from '#protocol';
import { writeFileAtomic } from '../atomic.js';
import { type ConfigObject, isObject, mergeConfig, terminalSection } from '../config.js';
import { type StepContext, type StepResult, readText } from '../context.js';

export { BUNDLE_FORMAT, type TrustBundle };

function refuse(message: string, code: 'CONFIG_INVALID' | 'KEY_INVALID' = 'CONFIG_INVALID'): never {
  throw new TesseraError(code, `bundle refused: ${message}`);
}

/** Parses and shape-checks a bundle file's text. */
export function parseBundle(text: string): TrustBundle {
  let b: unknown;
  try {
    b = JSON.parse(text);
  } catch (e) {
    refuse(`not JSON (${(e as Error).message})`);
  }
  if (!isObject(b)) refuse('not a JSON object');
  if (b.format !== BUNDLE_FORMAT) refuse(`format is ${JSON.stringify(b.format)}, expected "${BUNDLE_FORMAT}"`);
  for (const k of ['terminalId', 'terminalCert', 'trustList', 'rootPublicKey'] as const) {
    if (typeof b[k] !== 'string' || b[k] === '') refuse(`field ${k} is missing`);
  }
  for (const k of ['config', 'denylist'] as const) {
    if (b[k] !== undefined && typeof b[k] !== 'string') refuse(`field ${k} must be a TF1: string`);
  }
  if (!/^0[23][0-9a-fA-F]{64}$/.test(b.rootPublicKey as string)) refuse('rootPublicKey is not the hex of a 33-byte compressed P-256 key');
  return b as unknown as TrustBundle;
}

function decodeInstalledTrust(text: string | undefined): Decoded<'TRUST_LIST'> | undefined {
  if (!text) return undefined;
  const b = fromQrText('TRUST_LIST', text.trim());
  if (!b.ok) return undefined;
  const d = decodeObject('TRUST_LIST', b.value);
  return d.ok ? d.value : undefined;
}

export async function runInstall(ctx: StepContext, bundleFile: string): Promise<StepResult> {
  const config = ctx.requireConfig();
  ctx.deps.validateConfig(config);
  let text: string;
  try {
    text = fs.readFileSync(bundleFile, 'utf8');
  } catch (e) {
    throw new TesseraError('CONFIG_NOT_FOUND', `cannot read bundle ${bundleFile}: ${(e as Error).message}`, { cause: e });
  }
  const bundle = parseBundle(text);
  const term = terminalSection(config);
  const terminalId = term.id;
  if (bundle.terminalId !== terminalId) refuse(`it is for terminal ${bundle.terminalId}, this terminal is ${terminalId}`);

  const p = {
    key: ctx.filePath(config, 'key'),
    cert: ctx.filePath(config, 'cert'),
    trustList: ctx.filePath(config, 'trustList'),
    rootPublicKey: ctx.filePath(config, 'rootPublicKey'),
    fleetConfig: ctx.filePath(config, 'fleetConfig'),
    denylist: ctx.filePath(config, 'denylist'),
  };

  // The installed root key is the trust anchor: a bundle never replaces it.
  const root = fromHex(bundle.rootPublicKey);
  const installedRoot = readText(ctx.at(p.rootPublicKey))?.trim();
  if (installedRoot && installedRoot.toLowerCase() !== bundle.rootPublicKey.toLowerCase()) {
    refuse(`it is from another root (${bundle.rootPublicKey.slice(0, 16)}…); this terminal trusts root ${installedRoot.slice(0, 16)}… (${p.rootPublicKey})`);
  }

  const tlBytes = fromQrText('TRUST_LIST', bundle.trustList);
  if (!tlBytes.ok) refuse(`trust list: ${tlBytes.reason} ${tlBytes.detail}`);
  const tl = verifyTrustList(tlBytes.value, { rootPublicKey: root });
  if (!tl.ok) refuse(`trust list does not verify against the bundle's root key: ${tl.reason} (${tl.detail})`);
  const installedTl = decodeInstalledTrust(readText(ctx.at(p.trustList)));
  if (installedTl && !equalBytes(installedTl.bytes, tl.value.bytes)) {
    if (tl.value.value.version <= installedTl.value.version) {
      refuse(`trust list version ${tl.value.value.version} is not newer than the installed version ${installedTl.value.version}`);
    }
  }

  const trust = new TrustStore(tl.value.value);
  const now = ctx.nowSeconds();
  const cert = verifyTerminalCert(bundle.terminalCert, { trust, now });
  if (!cert.ok) refuse(`terminal certificate does not verify against the trust list: ${cert.reason} (${cert.detail})`);
  const c = cert.value.value;
  const key = loadKeyFile(ctx.at(p.key));
  if (!equalBytes(c.publicKey, key.publicKey)) {
    refuse(`the certificate is for another key (${toHex(c.publicKey).slice(0, 16)}…), not this terminal's key ${toHex(key.publicKey).slice(0, 16)}… — was the request made on this terminal?`);
  }
  if (c.terminalId !== terminalId) refuse(`the certificate is for terminal ${c.terminalId}, this terminal is ${terminalId}`);
  if (c.mode !== term.mode) refuse(`the certificate is for a ${c.mode} terminal, the config says ${term.mode} (re-run init --mode ${c.mode})`);

  const fleet: { name: 'config' | 'denylist'; text: string; path: string }[] = [];
  for (const name of ['config', 'denylist'] as const) {
    const t = bundle[name];
    if (t === undefined) continue;
    const v = verifyFleetMessage(t, { trust, now, terminalId });
    if (!v.ok) refuse(`${name} fleet message: ${v.reason} (${v.detail})`);
    const want = name === 'config' ? 2 : 1;
    if (v.value.value.kind !== want) refuse(`the ${name} field holds a fleet message of another kind`);
    fleet.push({ name, text: t, path: name === 'config' ? p.fleetConfig : p.denylist });
  }

  // Everything checked: install. The root key first, the certificate last, then the config.
  const changed: string[] = [];
  const put = (sys: string, content: string): void => {
    if (writeFileAtomic(ctx.at(sys), content, { mode: 0o644, chown: (f) => ctx.chownService(f) })) changed.push(sys);
  };
  ctx.ensureStateDir(config);
  put(p.rootPublicKey, `${bundle.rootPublicKey.toLowerCase()}\n`);
  put(p.trustList, `${bundle.trustList}\n`);
  for (const f of fleet) put(f.path, `${f.text}\n`);
  put(p.cert, `${bundle.terminalCert}\n`);
  // The certificate is the authority for who the terminal belongs to; the daemon checks terminal.* against it.
  const patch: ConfigObject = {
    terminal: { merchantId: c.merchantId, displayName: c.displayName },
    identity: {
      certFile: p.cert,
      trustListFile: p.trustList,
      rootKeyFile: p.rootPublicKey,
      ...Object.fromEntries(fleet.map((f) => [f.name === 'config' ? 'fleetConfigFile' : 'denylistFile', f.path])),
    },
  };
  if (ctx.writeConfig(mergeConfig(config, patch))) changed.push(ctx.configPath);

  return {
    changed,
    lines: [
      changed.length === 0 ? `= bundle already installed for ${terminalId}` : `✓ installed bundle for ${terminalId}`,
      `  certificate valid until ${new Date(c.notAfter * 1000).toISOString()} (${c.merchantId}, "${c.displayName}", ${c.mode})`,
      `  trust list version ${tl.value.value.version}, issued ${new Date(tl.value.value.issuedAt * 1000).toISOString()}`,
      `  root ${bundle.rootPublicKey.slice(0, 16)}…`,
      ...fleet.map((f) => `  ${f.name} fleet message installed`),
      'next: tessera provision broker, tessera provision devices, tessera provision check',
    ],
    data: { terminalId, certNotAfter: c.notAfter, trustListVersion: tl.value.value.version, root: bundle.rootPublicKey.toLowerCase(), fleet: fleet.map((f) => f.name), changed },
  };
}
