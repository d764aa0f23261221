// Default file layout of a terminal, and resolution of system paths under the provisioning root.
import * as path from 'node:path';

export const DEFAULT_CONFIG = '/etc/tessera/terminal.json';
export const DEFAULT_STATE_DIR = '/var/lib/tessera';

/** File names inside the state dir. */
export const STATE_FILES = {
  key: 'terminal.key',
  cert: 'terminal.cert',
  trustList: 'trust.list',
  rootPublicKey: 'root.pub',
  fleetConfig: 'fleet-config.msg',
  denylist: 'denylist.msg',
  mqttKey: 'mqtt.key',
  mqttCsr: 'mqtt.csr',
  mqttCert: 'mqtt.crt',
  ca: 'ca.crt',
} as const;

export type StateFile = keyof typeof STATE_FILES;

/**
 * The broker password: a root-only file the unit hands to the daemon as a systemd credential
 * (LoadCredential=broker-password:<source>), never a field of terminal.json (docs/mqtt.md).
 */
export const BROKER_PASSWORD = { credential: 'broker-password', source: '/etc/tessera/credentials/broker-password' } as const;

/** The state files the daemon reads, and their field under `identity` in the config (terminal/config.ts IdentitySchema). */
export const IDENTITY_FIELDS = {
  key: 'keyFile',
  cert: 'certFile',
  trustList: 'trustListFile',
  rootPublicKey: 'rootKeyFile',
  fleetConfig: 'fleetConfigFile',
  denylist: 'denylistFile',
} as const satisfies Partial<Record<StateFile, string>>;

/** A system path as seen on the terminal ('/var/lib/tessera/terminal.key') mapped under `root`. */
export function under(root: string, p: string): string {
  if (!path.isAbsolute(p)) throw new TypeError(`not an absolute path: ${p}`);
  return root === '/' ? path.normalize(p) : path.join(root, p);
}

export function statePath(stateDir: string, f: StateFile): string {
  return path.posix.join(stateDir, STATE_FILES[f]);
}
