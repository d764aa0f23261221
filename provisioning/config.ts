// The terminal config file as provisioning sees it: read (refusing torn JSON), merge (keeping unknown keys), minimal validation, atomic write.
import * as fs from 'node:fs';
import { TesseraError } from '#common';
import { writeFileAtomic } from './atomic.js';

export type ConfigObject = Record<string, unknown>;

const ID = /^[A-Za-z0-9._-]{1,32}$/;
const NAME = /^[^\p{Cc}]{1,40}$/u;

function fail(field: string, message: string): never {
  throw new TesseraError('CONFIG_INVALID', `config field ${field}: ${message}`, { details: { path: field } });
}

function isObject(v: unknown): v is ConfigObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The mqtt URL check shared by `broker` and validation: scheme, host, port. Returns a reason or undefined. */
export function brokerUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL (expected e.g. mqtts://broker.example:8883)`;
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(u.protocol)) return `scheme ${u.protocol} is not one of mqtt:, mqtts:, ws:, wss:`;
  if (u.hostname === '') return `"${url}" has no host`;
  if (u.search !== '' || u.hash !== '') return `"${url}" must not carry a query or fragment`;
  return undefined;
}

/** Minimal structural check used when the terminal's schema is not injected. Throws CONFIG_INVALID with the field path. */
export function minimalValidateConfig(obj: unknown): void {
  if (!isObject(obj)) fail('(root)', 'must be a JSON object');
  if (typeof obj.terminalId !== 'string' || !ID.test(obj.terminalId)) fail('terminalId', 'must be 1-32 of A-Z a-z 0-9 . _ -');
  if (obj.mode !== 'merchant' && obj.mode !== 'transit') fail('mode', 'must be "merchant" or "transit"');
  if (typeof obj.merchantId !== 'string' || !ID.test(obj.merchantId)) fail('merchantId', 'must be 1-32 of A-Z a-z 0-9 . _ -');
  if (typeof obj.displayName !== 'string' || !NAME.test(obj.displayName)) fail('displayName', 'must be 1-40 printable characters');
  if (!isObject(obj.paths)) fail('paths', 'must be an object');
  for (const k of ['key', 'cert', 'trustList', 'rootPublicKey']) {
    const p = obj.paths[k];
    if (typeof p !== 'string' || !p.startsWith('/')) fail(`paths.${k}`, 'must be an absolute path');
  }
  if (obj.devices !== undefined && !isObject(obj.devices)) fail('devices', 'must be an object');
  if (obj.sync !== undefined) {
    if (!isObject(obj.sync)) fail('sync', 'must be an object');
    if (typeof obj.sync.url !== 'string') fail('sync.url', 'must be a string');
    const p = brokerUrlProblem(obj.sync.url);
    if (p) fail('sync.url', p);
    if (obj.sync.tls !== undefined && !isObject(obj.sync.tls)) fail('sync.tls', 'must be an object');
  }
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
