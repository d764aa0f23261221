#!/usr/bin/env node
// Bundles the daemon (`tessera daemon`, what systemd runs) from tsc's dist/ into one ES module, dist/tessera-daemon.mjs (make build).
//
// Why: Node's ESM loader costs ~0.55 ms CPU per file before any code runs, and the daemon loaded
// ~290 files; one file is most of that cold start back (docs/decisions.md D-bundle,
// docs/performance.md §coldstart). The input is tsc's output, not the TypeScript, so the bundle and
// the per-file build are the same compiled code; tsc's source maps are chained into the bundle's map.
import { dirname } from 'node:path';
import { build } from 'esbuild';

// Native addons (and the packages that load them) must stay files in node_modules: their .node
// binaries and prebuild lookups resolve paths at runtime. Packages the code loads through a
// createRequire() of its own (better-sqlite3, serialport, mqtt, qrcode, pngjs, the receipt encoder,
// @noble/*) are runtime requires esbuild does not follow, so they stay external without being listed.
const external = ['better-sqlite3', 'serialport', '@serialport/*', 'node-hid'];

// Bundled CommonJS (pino, its dependencies) calls require() and may read __filename/__dirname,
// which an ES module lacks: define them once, for the bundle's own file.
const banner = [
  "import { createRequire as __tesseraCreateRequire } from 'node:module';",
  "import { fileURLToPath as __tesseraFileURLToPath } from 'node:url';",
  "import { dirname as __tesseraDirname } from 'node:path';",
  'const require = __tesseraCreateRequire(import.meta.url);',
  'const __filename = __tesseraFileURLToPath(import.meta.url);',
  'const __dirname = __tesseraDirname(__filename);',
].join('\n');

// zod's namespace object (`import { z } from 'zod'`) re-exports all ~50 message locales, ~400 of
// the bundle's ~1,200 KB, so esbuild cannot drop them; V8 compiles the whole file at load (~36 ms CPU
// for 1.2 MB here). The daemon uses zod's default English messages only (zod sets them from
// locales/en.js directly, not through this index), so the index keeps just `en`.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

const result = await build({
  entryPoints: ['dist/terminal/cli/daemon-main.js'],
  outfile: 'dist/tessera-daemon.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external,
  banner: { js: banner },
  plugins: [zodEnglishOnly],
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs).length;
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`bundle: dist/tessera-daemon.mjs, ${inputs} files, ${(bytes / 1024).toFixed(0)} KB (external: ${external.join(', ')})`);
