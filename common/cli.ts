// The shared ending of every Tessera CLI: commander's exits pass through, any other failure is one line.
import type { Command } from 'commander';
import { errorMessage, isTesseraError } from './errors.js';
import { printSpecIfAsked } from './cli-docs.js';

/**
 * Parses `argv` with `program` and sets process.exitCode: commander's own exits (help, usage) keep
 * their code; anything thrown becomes one line on stderr `NAME: message [CODE]` (and a JSON error on
 * stdout with --json), exit 1.
 */
export async function runCli(program: Command, name: string, argv: string[]): Promise<void> {
  program.exitOverride();
  if (printSpecIfAsked(program, process.env, (s) => void process.stdout.write(s))) return;
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number };
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) {
      process.exitCode = ce.exitCode ?? 1;
      return;
    }
    const code = isTesseraError(e) ? e.code : 'INTERNAL';
    if (argv.includes('--json')) process.stdout.write(JSON.stringify({ error: { code, message: errorMessage(e) } }) + '\n');
    process.stderr.write(`${name}: ${errorMessage(e)} [${code}]\n`);
    process.exitCode = 1;
  }
}
