#!/usr/bin/env node
// Entry point of the `tessera` command: a plain `tessera daemon` runs the daemon bundle when built; any other command line, the CLI program.
import { existsSync } from 'node:fs';
import { plainDaemonArgs } from './daemon-args.js';
import type * as DaemonMain from './daemon-main.js';

const args = process.argv.slice(2);
const plain = plainDaemonArgs(args);

if (plain) {
  // What systemd runs at every boot: straight to the daemon, without commander and the client
  // commands, and from one bundled file (scripts/bundle.mjs) instead of ~290 modules when `make
  // build` made it (cold start, docs/decisions.md D-bundle). A tsc-only build runs the same code
  // from its modules. Nothing else is imported before this choice.
  const bundle = new URL('../../tessera-daemon.mjs', import.meta.url);
  const entry = (await import(existsSync(bundle) ? bundle.href : './daemon-main.js')) as typeof DaemonMain;
  process.exitCode = await entry.mainDaemon(plain.config);
} else {
  const [{ createProgram }, { daemonDeps }] = await Promise.all([import('./program.js'), import('./daemon-main.js')]);
  const { program, run } = createProgram({ ...daemonDeps, listDevices: async () => (await import('#drivers')).listDevices() });
  // `tessera provision …` runs before a daemon exists; every config it writes passes the daemon's own
  // check (terminal/config.ts schema + the drivers' device schemas), loaded by provisioning on first use.
  // The daemon (started by systemd at every boot) does not load provisioning and what it imports.
  // A provision step reports its outcome through this seam (it also runs standalone, where it sets
  // process.exitCode): a failed step or a ✗ in `provision check` must not end as the program's 0.
  let stepCode = 0;
  if (!args.includes('daemon') || args.includes('provision')) {
    const { registerProvisionCommands } = await import('#provisioning');
    registerProvisionCommands(program, { setExitCode: (c) => void (stepCode = c) });
  }
  const code = await run(process.argv);
  process.exitCode = code !== 0 ? code : stepCode;
}
