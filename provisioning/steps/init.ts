// `provision init`: terminal id, merchant/operator, mode; the terminal key (never overwritten); the base config.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TesseraError } from '#common';
import { createKeyFile, decodeObject, fromQrText, loadKeyFile, toHex, type KeySigner, type TerminalCert } from '#protocol';
import { type ConfigObject, isObject, mergeConfig } from '../config.js';
import { type StepContext, type StepResult, readText, usage } from '../context.js';

export interface InitOptions {
  terminalId?: string;
  merchantId?: string;
  displayName?: string;
  mode?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

async function value(ctx: StepContext, prompt: boolean, flag: string, label: string, given: string | undefined, current: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (prompt) {
    const a = (await ctx.deps.io.ask(label, current)).trim();
    if (a !== '') return a;
  }
  if (current !== undefined) return current;
  throw usage(`missing ${flag}${ctx.deps.io.interactive ? '' : ' (stdin is not a terminal, so nothing is asked)'}`);
}

/** The installed certificate, if one is installed and readable. */
function installedCert(ctx: StepContext, certPath: string): TerminalCert | undefined {
  const text = readText(ctx.at(certPath))?.trim();
  if (!text) return undefined;
  const b = fromQrText('TERMINAL_CERT', text);
  if (!b.ok) return undefined;
  const d = decodeObject('TERMINAL_CERT', b.value);
  return d.ok ? d.value.value : undefined;
}

export async function runInit(ctx: StepContext, o: InitOptions): Promise<StepResult> {
  const existing = ctx.readConfig();
  const cur = existing && isObject(existing.terminal) ? existing.terminal : {};
  const prompt = ctx.mayPrompt([o.terminalId, o.merchantId, o.displayName, o.mode].some((v) => v !== undefined));
  const terminalId = await value(ctx, prompt, '--terminal-id', 'Terminal id', o.terminalId, str(cur.id));
  const mode = await value(ctx, prompt, '--mode', 'Mode (merchant or transit)', o.mode, str(cur.mode) ?? 'merchant');
  if (mode !== 'merchant' && mode !== 'transit') throw usage(`--mode must be merchant or transit, got ${mode}`);
  const merchantId = await value(ctx, prompt, '--merchant-id', mode === 'transit' ? 'Operator id' : 'Merchant id', o.merchantId, str(cur.merchantId));
  const displayName = await value(ctx, prompt, '--display-name', 'Display name', o.displayName, str(cur.displayName) ?? merchantId);

  // The daemon's layout (terminal/config.ts): identity files and the journal in the state dir.
  const paths = { key: ctx.filePath(existing, 'key'), cert: ctx.filePath(existing, 'cert'), trustList: ctx.filePath(existing, 'trustList'), rootPublicKey: ctx.filePath(existing, 'rootPublicKey') };
  const base: ConfigObject = existing ?? {};
  const db = isObject(base.database) && typeof base.database.path === 'string' ? {} : { database: { path: path.posix.join(ctx.stateDir(existing), 'terminal.db') } };
  const next = mergeConfig(base, {
    terminal: { id: terminalId, mode, merchantId, displayName },
    identity: { keyFile: paths.key, certFile: paths.cert, trustListFile: paths.trustList, rootKeyFile: paths.rootPublicKey },
    ...db,
    ...(isObject(base.devices) ? {} : { devices: {} }),
  });
  ctx.deps.validateConfig(next);

  // The daemon refuses a config that contradicts its certificate: so does init.
  const cert = installedCert(ctx, paths.cert);
  if (cert && cert.terminalId !== terminalId) {
    throw usage(`the installed certificate is for terminal ${cert.terminalId}, not ${terminalId}; remove ${paths.cert} to enrol under a new id`);
  }
  if (cert && (cert.mode !== mode || cert.merchantId !== merchantId)) {
    throw usage(`the installed certificate is for ${cert.mode} terminal of ${cert.merchantId}, not ${mode} of ${merchantId}; request a new certificate and install it, or remove ${paths.cert}`);
  }

  const keyPath = paths.key;
  const realKey = ctx.at(keyPath);
  const changed: string[] = [];
  let signer: KeySigner;
  let keyLine: string;
  if (fs.existsSync(realKey)) {
    signer = loadKeyFile(realKey); // refuses 0644 or unreadable keys before anything is written
    keyLine = `= key ${keyPath} exists (kept)`;
  } else {
    ctx.ensureStateDir(next);
    try {
      signer = createKeyFile(realKey);
    } catch (e) {
      throw e instanceof TesseraError ? e : new TesseraError('FILE_WRITE_FAILED', `cannot create ${keyPath}`, { cause: e });
    }
    ctx.chownService(realKey);
    changed.push(keyPath);
    keyLine = `✓ key ${keyPath} created (mode 0600)`;
  }
  if (ctx.writeConfig(next)) changed.push(ctx.configPath);
  // The journal is created here and only here: the daemon refuses a missing one rather than start
  // an empty journal over a lost one. An existing journal is never touched.
  const dbPath = (next.database as { path: string }).path;
  const realDb = ctx.at(dbPath);
  const journalLine = fs.existsSync(realDb) ? `= journal ${dbPath} exists (kept)` : `✓ journal ${dbPath} created (empty)`;
  if (!fs.existsSync(realDb)) {
    fs.mkdirSync(path.dirname(realDb), { recursive: true });
    (await import('#terminal')).createDatabase(realDb);
    fs.chmodSync(realDb, 0o640);
    ctx.chownService(realDb);
    changed.push(dbPath);
  }
  const publicKey = toHex(signer.publicKey);
  return {
    changed,
    lines: [
      keyLine,
      changed.includes(ctx.configPath) ? `✓ config ${ctx.configPath} written` : `= config ${ctx.configPath} unchanged`,
      journalLine,
      `terminal ${terminalId} (${mode}, ${merchantId}), key ${toHex(signer.kid)}`,
      'next: tessera provision request',
    ],
    data: { terminalId, mode, merchantId, displayName, publicKey, kid: toHex(signer.kid), config: ctx.configPath, key: keyPath },
  };
}
