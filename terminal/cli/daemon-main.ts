// The daemon as `tessera daemon` runs it (real drivers, MQTT sync, systemd notifier): the entry of the single-file bundle dist/tessera-daemon.mjs.
import { driverDeviceFactory } from '../daemon/driver-devices.js';
import { Notifier } from '../daemon/sd-notify.js';
import { syncComponents } from '../daemon/sync-component.js';
import { runDaemon, type DaemonDeps } from './daemon-command.js';
import { reportFailure } from './failure.js';

/** The production seams: what both `tessera daemon` paths and the full CLI program plug into the daemon. */
export const daemonDeps: DaemonDeps = { devices: driverDeviceFactory(), notifier: () => new Notifier(), components: syncComponents };

/** Runs the daemon until SIGTERM/SIGINT; the process exit code (1 after a reported start failure). */
export async function mainDaemon(flagConfig: string | undefined): Promise<number> {
  // The drivers start loading now, alongside the store and checkout modules (the real import, and
  // any error, comes when the devices open).
  import('#drivers').catch(() => undefined);
  return runDaemon(flagConfig, daemonDeps).then(
    () => 0,
    (e: unknown) => reportFailure(e, false, (s) => void process.stdout.write(s), (s) => void process.stderr.write(s)),
  );
}
