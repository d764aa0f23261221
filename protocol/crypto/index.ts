// Crypto backends: choose node:crypto on Node (fast), @noble/curves elsewhere (portable).
import { NodeBackend, hasNodeCrypto } from './node.js';
import { NobleBackend } from './noble.js';
import type { CryptoBackend } from './backend.js';

export * from './backend.js';
export { NodeBackend } from './node.js';
export { NobleBackend } from './noble.js';
export { loadNoble } from './noble-lib.js';

let defaultBackend: CryptoBackend | undefined;

/** The backend used when a caller passes none: node:crypto on Node, noble in a browser. */
export function getDefaultBackend(): CryptoBackend {
  defaultBackend ??= hasNodeCrypto() ? new NodeBackend() : new NobleBackend();
  return defaultBackend;
}

export function backendByName(name: 'node' | 'noble'): CryptoBackend {
  return name === 'node' ? new NodeBackend() : new NobleBackend();
}
