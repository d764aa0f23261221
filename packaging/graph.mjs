// What a package's commands load: the compiled files reachable from their entry points, and the npm packages (with their dependencies) those files need.
//
// The files come from esbuild's module graph over tsc's output (import, export-from, literal import()),
// with package.json "imports" (#common, #protocol…) resolved and every bare package left external. The
// packages are those externals plus the literal specifiers the code require()s through createRequire()
// (better-sqlite3, mqtt, the receipt encoder, @noble/*), closed over package-lock.json's dependencies, the
// way Node would resolve them from node_modules/. Anything a test kit or another package's code pulls in
// stays out because nothing on a command's path imports it.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const BUILTIN = /^node:|^(fs|path|os|crypto|events|stream|util|url|child_process|net|tls|http|https|zlib|module|worker_threads|readline)(\/|$)/;
// require('x') / req('x') / createRequire(import.meta.url)('x') / import('x') with a literal package name.
const LITERAL_REQUIRE = /(?:\brequire|\breq|createRequire\(import\.meta\.url\)|\bimport)\(\s*['"]([^'"./#][^'"]*)['"]\s*\)/g;

/** "@scope/name/sub.js" → "@scope/name"; "name/sub" → "name". */
export function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Compiled files (relative to `from`, e.g. "dist/common/index.js") reachable from `entries`, and the package names they load. */
export async function moduleGraph(from, entries) {
  const roots = new Set();
  const result = await build({
    absWorkingDir: resolve(from),
    entryPoints: entries,
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    outdir: 'graph-out',
    logLevel: 'error',
    plugins: [{
      name: 'packages-external',
      setup(b) {
        b.onResolve({ filter: /^[^./#]/ }, (a) => {
          if (!BUILTIN.test(a.path)) roots.add(packageName(a.path));
          return { path: a.path, external: true };
        });
      },
    }],
  });
  const files = Object.keys(result.metafile.inputs).sort();
  for (const f of files) {
    for (const m of readFileSync(join(from, f), 'utf8').matchAll(LITERAL_REQUIRE)) {
      if (!BUILTIN.test(m[1])) roots.add(packageName(m[1]));
    }
  }
  return { files, packages: [...roots].sort() };
}

/**
 * package-lock.json paths ("node_modules/a", "node_modules/a/node_modules/b") of `names` and everything they
 * depend on, resolved as Node does: the nearest node_modules/ up from the dependent. A dev-only entry on that
 * path is an error (the lockfile says production code does not need it).
 */
export function lockClosure(lock, names) {
  const pkgs = lock.packages ?? {};
  const resolve = (fromPath, name) => {
    for (let base = fromPath; ; ) {
      const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (pkgs[candidate]) return candidate;
      if (!base) return undefined;
      const at = base.lastIndexOf('/node_modules/');
      base = at < 0 ? '' : base.slice(0, at);
    }
  };
  const seen = new Set();
  const queue = names.map((n) => {
    const p = resolve('', n);
    if (!p) throw new Error(`graph: package ${n} is not in package-lock.json (add it to "dependencies")`);
    return p;
  });
  while (queue.length > 0) {
    const path = queue.pop();
    if (seen.has(path)) continue;
    const entry = pkgs[path];
    if (entry.dev === true) throw new Error(`graph: ${path} is a devDependency but production code loads it`);
    seen.add(path);
    const deps = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const dep of Object.keys(deps)) {
      const p = resolve(path, dep);
      if (p) queue.push(p);
      else if (!(dep in (entry.optionalDependencies ?? {})) && !(dep in (entry.peerDependencies ?? {}))) {
        throw new Error(`graph: ${path} depends on ${dep}, which package-lock.json does not hold`);
      }
    }
  }
  return [...seen].sort();
}
