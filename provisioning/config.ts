// The terminal config file as provisioning sees it: read (refusing torn JSON), merge (keeping other keys), validated atomic write.
import * as fs from 'node:fs';
import { TesseraError } from '#common';
import { writeFileAtomic } from './atomic.js';

export type ConfigObject = Record<string, unknown>;

function isObject(v: unknown): v is ConfigObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What `init` wrote under `terminal` (terminal/config.ts TerminalSchema). */
export interface TerminalSection {
  id: string;
  mode: 'merchant' | 'transit';
  merchantId: string;
  displayName: string;
}

/** The `terminal` section of a validated config; steps after init need it. */
export function terminalSection(config: ConfigObject): TerminalSection {
  const t = config.terminal;
  if (!isObject(t) || typeof t.id !== 'string') throw new TesseraError('CONFIG_INVALID', 'config has no terminal section (terminal.id): run `tessera provision init` first', { details: { path: 'terminal' } });
  return t as unknown as TerminalSection;
}

/** The mqtt URL check shared by `broker` and validation: scheme, host, port. Returns a reason or undefined. */
export function brokerUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL (expected e.g. mqtts://broker.example:8883)`;
  }
  // terminal/sync connects over MQTT on TCP (mqtt:) or TLS (mqtts:) only.
  if (!['mqtt:', 'mqtts:'].includes(u.protocol)) return `scheme ${u.protocol} is not one of mqtt:, mqtts:`;
  // Said without echoing the URL: the point is that the password must not be printed or stored in terminal.json.
  if (u.password !== '') return 'the URL carries a password: give --username and --password-file instead (the password is kept in a root-only credential file)';
  if (u.hostname === '') return `"${url}" has no host`;
  if (u.search !== '' || u.hash !== '') return `"${url}" must not carry a query or fragment`;
  return undefined;
}

/** Reads the config; undefined when absent; CONFIG_INVALID when the file is not a JSON object (e.g. torn by a power cut). */
export function readConfig(file: string, shown = file): ConfigObject | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TesseraError('CONFIG_INVALID', `config ${shown} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new TesseraError('CONFIG_INVALID', `config ${shown} is not valid JSON (${(e as Error).message}); fix it or restore ${shown}.prev`, { cause: e });
  }
  if (!isObject(obj)) throw new TesseraError('CONFIG_INVALID', `config ${shown} is not a JSON object; fix it or restore ${shown}.prev`);
  return obj;
}

export function requireConfig(file: string, shown = file): ConfigObject {
  const c = readConfig(file, shown);
  if (!c) throw new TesseraError('CONFIG_NOT_FOUND', `no config at ${shown}: run \`tessera provision init\` first`);
  return c;
}

/** Deep merge: objects merge key by key (existing key order kept), other values replace, `undefined` deletes. */
export function mergeConfig(base: ConfigObject, patch: ConfigObject): ConfigObject {
  const out: ConfigObject = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else if (isObject(v)) out[k] = mergeConfig(isObject(out[k]) ? out[k] : {}, v);
    else out[k] = v;
  }
  return out;
}

export function configText(obj: ConfigObject): string {
  return `${JSON.stringify(obj, null, 2)}\n`;
}

/** Validates, then writes atomically (0640: it may hold the broker password). Returns whether the file changed. */
export function writeConfig(file: string, obj: ConfigObject, validate: (o: unknown) => void, chown?: (f: string) => void): boolean {
  validate(obj);
  return writeFileAtomic(file, configText(obj), { mode: 0o640, validate: (t) => validate(JSON.parse(t)), ...(chown ? { chown } : {}) });
}

export { isObject };
