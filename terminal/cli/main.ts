#!/usr/bin/env node
// Entry point of the `tessera` command: the CLI program with the real drivers, systemd notifier and provisioning.
import { driverDeviceFactory } from '../daemon/driver-devices.js';
import { Notifier } from '../daemon/sd-notify.js';
import { syncComponents } from '../daemon/sync-component.js';
import { plainDaemonArgs, runDaemon, type DaemonDeps } from './daemon-command.js';
import { reportFailure } from './failure.js';

const deps: DaemonDeps = { devices: driverDeviceFactory(), notifier: () => new Notifier(), components: syncComponents };
const args = process.argv.slice(2);
const plain = plainDaemonArgs(args);

if (plain) {
  // What systemd runs at every boot: straight to the daemon, without commander and the client commands
  // (cold start). Any other spelling of the command line goes through the full parser below.
  // The drivers start loading now, alongside the store and checkout modules (the real import, and
  // any error, comes when the devices open).
  import('#drivers').catch(() => undefined);
  process.exitCode = await runDaemon(plain.config, deps).then(
    () => 0,
    (e: unknown) => reportFailure(e, false, (s) => void process.stdout.write(s), (s) => void process.stderr.write(s)),
  );
} else {
  const { createProgram } = await import('./program.js');
  const { program, run } = createProgram({ ...deps, listDevices: async () => (await import('#drivers')).listDevices() });
  // `tessera provision …` runs before a daemon exists; every config it writes passes the daemon's own
  // check (terminal/config.ts schema + the drivers' device schemas), loaded by provisioning on first use.
  // The daemon (started by systemd at every boot) does not load provisioning and what it imports.
  if (!args.includes('daemon') || args.includes('provision')) {
    const { registerProvisionCommands } = await import('#provisioning');
    registerProvisionCommands(program);
  }
  process.exitCode = await run(process.argv);
}
