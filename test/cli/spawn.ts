// The three CLIs as child processes for the CLI tests: run one, walk its commands from --help, run many four at a time.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const BIN = {
  tessera: join(process.cwd(), 'dist/terminal/cli/main.js'),
  'tessera-backoffice': join(process.cwd(), 'dist/backoffice/cli/main.js'),
  'tessera-wallet': join(process.cwd(), 'dist/wallet/cli/main.js'),
} as const;
export type Cli = keyof typeof BIN;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cli: Cli, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN[cli], ...args], { timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Command names listed under "Commands:" in a commander help text (help itself left out). */
function commandsIn(help: string): string[] {
  const at = help.indexOf('\nCommands:\n');
  if (at < 0) return [];
  return [...help.slice(at).matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
}

/** Every leaf command of a CLI, as word paths ("provision check"), walking --help. */
export async function leafCommands(cli: Cli, path: string[] = []): Promise<string[]> {
  const help = await run(cli, [...path, '--help']);
  const subs = commandsIn(help.stdout);
  if (subs.length === 0) return [path.join(' ')];
  return (await Promise.all(subs.map((s) => leafCommands(cli, [...path, s])))).flat();
}

/** Runs `fn` over `items`, four at a time (the CLIs are separate processes), results in order. */
export async function pool<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return out;
}
