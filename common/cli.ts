// What every Tessera CLI shares: text or --json output, ISO times, and the ending (commander's exits pass through, any other failure is one line).
import type { Command } from 'commander';
import { errorMessage, isTesseraError } from './errors.js';
import { printSpecIfAsked } from './cli-docs.js';

/** Commander's own endings that are not failures. */
const COMMANDER_DONE = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** Every command of the tree, the program first. */
const allCommands = (c: Command): Command[] => [c, ...c.commands.flatMap(allCommands)];

/**
 * Parses `argv` with `program` and sets process.exitCode, as `tessera` does: help and --version exit
 * 0; a usage error (unknown option, missing argument) is one line `NAME: message [USAGE]` on stderr
 * (a JSON error on stdout with --json), exit 2; anything thrown is one line `NAME: message [CODE]`
 * (and the JSON error with --json), exit 1.
 */
export async function runCli(program: Command, name: string, argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  for (const c of allCommands(program)) {
    c.exitOverride();
    c.configureOutput({ outputError: (s, write) => write(`${name}: ${s.replace(/^error: /, '').trimEnd()} [USAGE]\n`) });
  }
  if (printSpecIfAsked(program, process.env, (s) => void process.stdout.write(s))) return;
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number; message?: string };
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) {
      if (COMMANDER_DONE.has(ce.code)) return;
      if (json) process.stdout.write(JSON.stringify({ error: { code: 'USAGE', message: (ce.message ?? '').replace(/^error: /, '') } }) + '\n');
      process.exitCode = 2;
      return;
    }
    const code = isTesseraError(e) ? e.code : 'INTERNAL';
    if (json) process.stdout.write(JSON.stringify({ error: { code, message: errorMessage(e) } }) + '\n');
    process.stderr.write(`${name}: ${errorMessage(e)} [${code}]\n`);
    process.exitCode = 1;
  }
}

/** A command's result on stdout: one JSON document with --json (stable keys, integer minor units), else the text for people. */
export function printResult(json: boolean | undefined, value: unknown, text: string, write: (s: string) => void = (s) => void process.stdout.write(s)): void {
  write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

/** Progress of long work, for people: on stderr, and only in text mode (stdout stays the result; --json stays one document). */
export function progress(json: boolean | undefined, line: string, write: (s: string) => void = (s) => void process.stderr.write(s)): void {
  if (!json) write(`${line}\n`);
}

/** A time in every CLI's text: ISO 8601 in UTC, whole seconds without ".000" ("2027-01-15T10:00:00Z"); "never" for none. */
export function isoTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? 'never' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** isoTime of Unix seconds (the back office's and the protocol's times). */
export const isoSeconds = (s: number): string => isoTime(s * 1000);
