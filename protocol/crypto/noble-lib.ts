// @noble/* loaded on first use: the terminal verifies and signs with node:crypto and never pays to load it at start.
import type * as Curves from '@noble/curves/nist.js';
import type * as Sha2 from '@noble/hashes/sha2.js';
import type * as Hkdf from '@noble/hashes/hkdf.js';
import type * as Aes from '@noble/ciphers/aes.js';

/** The parts of @noble/curves, hashes and ciphers that protocol/ uses (portable backend, sealed details, key helpers). */
export interface NobleLib {
  p256: typeof Curves.p256;
  sha256: typeof Sha2.sha256;
  hkdf: typeof Hkdf.hkdf;
  gcm: typeof Aes.gcm;
}

let lib: NobleLib | undefined;

function nodeRequire(): ((id: string) => unknown) | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:module') as { createRequire?: (from: string) => (id: string) => unknown } | undefined;
  return mod?.createRequire?.(import.meta.url);
}

/**
 * The noble modules, loaded synchronously on the first call. On Node (≥ 20.19, as package.json
 * requires) `require` loads these ES modules; elsewhere (a wallet app's bundle) call `await
 * loadNoble()` once at start-up, after which this works everywhere.
 */
export function noble(): NobleLib {
  if (lib) return lib;
  const req = nodeRequire();
  if (!req) throw new Error('@noble/* not loaded: call `await loadNoble()` once at start-up on this platform');
  lib = {
    p256: (req('@noble/curves/nist.js') as typeof Curves).p256,
    sha256: (req('@noble/hashes/sha2.js') as typeof Sha2).sha256,
    hkdf: (req('@noble/hashes/hkdf.js') as typeof Hkdf).hkdf,
    gcm: (req('@noble/ciphers/aes.js') as typeof Aes).gcm,
  };
  return lib;
}

/** Loads the noble modules with dynamic imports (any platform); afterwards `noble()` is synchronous. */
export async function loadNoble(): Promise<NobleLib> {
  const [curves, sha2, hkdf, aes] = await Promise.all([import('@noble/curves/nist.js'), import('@noble/hashes/sha2.js'), import('@noble/hashes/hkdf.js'), import('@noble/ciphers/aes.js')]);
  lib ??= { p256: curves.p256, sha256: sha2.sha256, hkdf: hkdf.hkdf, gcm: aes.gcm };
  return lib;
}
