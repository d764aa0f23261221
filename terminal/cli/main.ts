#!/usr/bin/env node
// Entry point of the `tessera` command: the CLI program with the real drivers, systemd notifier and provisioning.
import { createProgram } from './program.js';
import { driverDeviceFactory } from '../daemon/driver-devices.js';
import { Notifier } from '../daemon/sd-notify.js';
import { syncComponents } from '../daemon/sync-component.js';

const { program, run } = createProgram({
  devices: driverDeviceFactory(),
  notifier: () => new Notifier(),
  components: syncComponents,
  listDevices: async () => (await import('#drivers')).listDevices(),
});

// `tessera provision …` runs before a daemon exists; every config it writes passes the daemon's own
// check (terminal/config.ts schema + the drivers' device schemas), loaded by provisioning on first use.
// The daemon (started by systemd at every boot) does not load provisioning and what it imports.
const args = process.argv.slice(2);
if (!args.includes('daemon') || args.includes('provision')) {
  const { registerProvisionCommands } = await import('#provisioning');
  registerProvisionCommands(program);
}

process.exitCode = await run(process.argv);
