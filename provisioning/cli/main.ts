#!/usr/bin/env node
// Standalone entry for development and tests: `node dist/provisioning/cli/main.js provision <step>` (the same commands `tessera provision` mounts).
import { Command } from 'commander';
import { registerProvisionCommands } from '../index.js';

// `… | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const program = new Command('tessera').description('Tessera terminal provisioning (standalone)');
registerProvisionCommands(program);
await program.parseAsync(process.argv);
