// The SQLite driver (better-sqlite3), loading the compiled addon that matches the running Node's ABI: the one place every opener gets it from.
import type BetterSqlite3 from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The addon file to load, or undefined for better-sqlite3's own build/Release (compiled for the Node that
 * ran `npm ci`). An addon works with one Node ABI only, so a package for several Node majors carries the
 * others in node-pre-gyp's layout, lib/binding/node-v<ABI>-<platform>-<arch>/ (docs/install.md);
 * TESSERA_SQLITE_BINDING names one explicitly (`make test-node24` runs tests on Node 24 with it).
 */
export function sqliteBinding(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): string | undefined {
  if (env.TESSERA_SQLITE_BINDING) return env.TESSERA_SQLITE_BINDING;
  const root = dirname(require.resolve('better-sqlite3/package.json'));
  const abi = join(root, 'lib', 'binding', `node-v${process.versions.modules}-${process.platform}-${process.arch}`, 'better_sqlite3.node');
  return exists(abi) ? abi : undefined;
}

let loaded: { Base: typeof BetterSqlite3; binding: string | undefined } | undefined;

/**
 * better-sqlite3's Database, opening every connection with the addon sqliteBinding() picked (an explicit
 * nativeBinding option wins). Loaded at the first open, not at import: CLIs that never open a database
 * (and this barrel's other users) do not pay for it. require(), not import: a CommonJS package loads in
 * about half the CPU time that way, which the daemon pays at every boot (docs/performance.md §coldstart).
 */
export const Sqlite = new Proxy(function Sqlite() {} as unknown as typeof BetterSqlite3, {
  construct(_target, [path, options]: [string | Buffer | undefined, BetterSqlite3.Options | undefined]) {
    loaded ??= { Base: require('better-sqlite3') as typeof BetterSqlite3, binding: sqliteBinding() };
    const { Base, binding } = loaded;
    return binding === undefined ? new Base(path, options) : new Base(path, { nativeBinding: binding, ...options });
  },
});
