// `tessera-backoffice run` as a child process (a clearing worker), for the tests that kill workers.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClientFiles } from '../../scripts/broker.js';
import { until } from './harness.js';

const BO = fileURLToPath(new URL('../../backoffice/cli/main.js', import.meta.url));

export interface ClearingChildOptions {
  brokerUrl: string;
  /** The back office's home (keys, trust list; the SQLite ledger unless `db`). */
  home: string;
  /** The worker's broker identity (mutual TLS). */
  tls?: ClientFiles | undefined;
  /** TESSERA_BACKOFFICE_DB: a postgres:// URL. */
  db?: string | undefined;
  /** More `run` options (--worker-id, --share-group, --concurrency …). */
  args?: string[];
}

export class ClearingChild {
  readonly proc: ChildProcess;
  output = '';
  readonly exited: Promise<unknown>;

  constructor(o: ClearingChildOptions) {
    const tls = o.tls ? ['--ca', o.tls.ca, '--cert', o.tls.cert, '--key', o.tls.key] : [];
    this.proc = spawn(process.execPath, [BO, 'run', '--broker', o.brokerUrl, ...tls, '--expire-every', '0', ...(o.args ?? [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', TESSERA_BACKOFFICE_HOME: o.home, TESSERA_BACKOFFICE_DB: o.db ?? '', TESSERA_LOG_LEVEL: 'warn' },
    });
    const keep = (d: Buffer) => {
      if (this.output.length < 20_000) this.output += d.toString();
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.proc.once('exit', resolve));
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** True once the worker has subscribed (it prints "clearing running"). */
  get running(): boolean {
    return this.output.includes('clearing running');
  }

  async ready(): Promise<void> {
    await until(() => {
      if (!this.alive) throw new Error(`clearing exited: ${this.output}`);
      return this.running;
    }, 30_000, 'clearing to subscribe');
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.alive) this.proc.kill(signal);
    await this.exited;
  }
}
