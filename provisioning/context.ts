// What every step shares: resolved paths under the root, config access, ownership, prompting rules and the step result shape.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TesseraError } from '#common';
import { migrateConfig } from '../terminal/config-migrate.js';
import { type ConfigObject, isObject, readConfig, requireConfig, writeConfig } from './config.js';
import { DEFAULT_CONFIG, DEFAULT_STATE_DIR, IDENTITY_FIELDS, type StateFile, statePath, under } from './paths.js';
import type { ProvisionDeps } from './types.js';

export interface CommonOptions {
  config?: string;
  stateDir?: string;
  root?: string;
  json?: boolean;
}

export interface StepResult {
  /** Human lines, printed one per line unless --json. */
  lines: string[];
  /** System paths the step changed (empty on a repeated run). */
  changed: string[];
  /** JSON output fields. */
  data: Record<string, unknown>;
  /** False when the step ran but found problems (check with a ✗): exit code 1. */
  ok?: boolean;
}

export class StepContext {
  readonly deps: ProvisionDeps;
  readonly root: string;
  readonly configPath: string;
  readonly json: boolean;
  private readonly stateDirFlag: string | undefined;

  constructor(deps: ProvisionDeps, opts: CommonOptions) {
    this.deps = deps;
    this.root = path.resolve(deps.root);
    this.configPath = absolute(opts.config ?? deps.env.TESSERA_CONFIG ?? DEFAULT_CONFIG, opts.config !== undefined ? '--config' : 'TESSERA_CONFIG');
    this.stateDirFlag = opts.stateDir === undefined ? undefined : absolute(opts.stateDir, '--state-dir');
    this.json = opts.json === true;
  }

  /** A system path (as the terminal sees it) → the real path under the root. */
  at(p: string): string {
    return under(this.root, p);
  }

  nowSeconds(): number {
    return Math.floor(this.deps.clock.now() / 1000);
  }

  readConfig(): ConfigObject | undefined {
    return readConfig(this.at(this.configPath), this.configPath);
  }

  requireConfig(): ConfigObject {
    return requireConfig(this.at(this.configPath), this.configPath);
  }

  /** Validated atomic write of the whole config; returns whether it changed. */
  writeConfig(obj: ConfigObject): boolean {
    const user = this.deps.serviceUser();
    const chown = user ? (f: string) => this.deps.chown(f, 0, user.gid) : undefined;
    // Every write stores the current format version: an older file is migrated by the first step that touches it.
    const current = migrateConfig(obj, this.configPath).config as ConfigObject;
    return writeConfig(this.at(this.configPath), current, (o) => this.deps.validateConfig(o), chown);
  }

  /** --state-dir, else the directory of the configured key (identity.keyFile), else /var/lib/tessera. */
  stateDir(config?: ConfigObject): string {
    if (this.stateDirFlag) return this.stateDirFlag;
    const key = config && isObject(config.identity) ? config.identity.keyFile : undefined;
    return typeof key === 'string' && key.startsWith('/') ? path.posix.dirname(key) : DEFAULT_STATE_DIR;
  }

  /**
   * The system path of a state file: the configured identity.<field> for the files the daemon reads,
   * else the file in the state dir.
   */
  filePath(config: ConfigObject | undefined, name: StateFile): string {
    const field = (IDENTITY_FIELDS as Partial<Record<StateFile, string>>)[name];
    const p = field && config && isObject(config.identity) ? config.identity[field] : undefined;
    return typeof p === 'string' && p.startsWith('/') ? p : statePath(this.stateDir(config), name);
  }

  /** Hands a file to the service user when it exists (root runs provisioning; the daemon runs as `tessera`). */
  chownService(realPath: string): void {
    const user = this.deps.serviceUser();
    if (user) this.deps.chown(realPath, user.uid, user.gid);
  }

  ensureStateDir(config?: ConfigObject): void {
    const dir = this.at(this.stateDir(config));
    if (fs.existsSync(dir)) return;
    fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
    this.chownService(dir);
  }

  /** Prompts are allowed only on a TTY and only when the step got none of its value flags. */
  mayPrompt(flagsGiven: boolean): boolean {
    return this.deps.io.interactive && !flagsGiven && !this.json;
  }
}

function absolute(p: string, flag: string): string {
  if (!path.isAbsolute(p)) throw new TesseraError('USAGE', `${flag} must be an absolute path on the terminal, got ${p}`);
  return path.posix.normalize(p);
}

export function usage(message: string): TesseraError {
  return new TesseraError('USAGE', message);
}

export function readText(realPath: string): string | undefined {
  try {
    return fs.readFileSync(realPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
