#!/usr/bin/env node
// Stages what a terminal runs into LIBDIR: the built dist/ (no tests), package.json, production deps.
//
// Production deps are the package-lock.json entries without "dev": true — exactly the set that
// `npm ci --omit=dev` would install — copied from the already-installed node_modules/ instead of
// downloaded again. That keeps `make install` offline and fast, and ships the very native addons
// (better-sqlite3, node-hid, serialport) that were built or fetched for this machine's arch.
// Usage: node packaging/stage.mjs --from PROJECT_DIR --to LIBDIR [--arch x64|arm64|arm]
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';

function args(argv) {
  const out = { from: '.', to: '', arch: process.arch };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '');
    const value = argv[i + 1];
    if (!key || value === undefined || !(key in out)) fail(`usage: stage.mjs --from DIR --to LIBDIR [--arch ARCH] (bad: ${argv[i]})`);
    out[key] = value;
  }
  if (!out.to) fail('stage.mjs: --to LIBDIR is required');
  return out;
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

const opts = args(process.argv.slice(2));
const from = opts.from;
const to = opts.to;

// 1. dist/ without tests, test fixtures or source maps.
const dist = join(from, 'dist');
if (!existsSync(join(dist))) fail(`stage.mjs: ${dist} is missing; run \`make build\` first`);
rmSync(join(to, 'dist'), { recursive: true, force: true });
cpSync(dist, join(to, 'dist'), {
  recursive: true,
  filter: (src) => {
    const rel = src.slice(dist.length);
    if (rel === '/test' || rel.startsWith('/test/')) return false;
    // Man pages and completions go to /usr/share (install.sh), not into the library.
    if (rel === '/share' || rel.startsWith('/share/')) return false;
    return !/\.test\.js$|\.map$/.test(rel);
  },
});

// 2. package.json: "type": "module" and the "#common"-style import aliases resolve through it.
cpSync(join(from, 'package.json'), join(to, 'package.json'));

// Files no terminal ever loads: type declarations, TypeScript sources, source maps, docs (but
// never a licence), packages' own tests, examples and CI config. Fewer files, faster installs.
// Dependencies' own unit tests too (pg-protocol ships dist/*.test.js): a package holds no tests.
const JUNK_FILE = /\.(d\.[cm]?ts|[cm]?ts|map|md|markdown|yml|yaml)$|\.(test|spec)\.[cm]?js$/i;
const JUNK_DIR = new Set(['.github', 'test', 'tests', '__tests__', 'example', 'examples', 'benchmark', 'benchmarks']);
function isJunk(rel) {
  const parts = rel.split('/').filter(Boolean);
  const base = parts.at(-1) ?? '';
  if (/^licen[cs]e/i.test(base)) return false;
  return parts.some((p) => JUNK_DIR.has(p)) || JUNK_FILE.test(base);
}

// Native addon packages: a terminal needs their JS and the one .node file for its OS and arch,
// not the C sources, build intermediates or other platforms' prebuilt binaries.
const platform = `linux-${opts.arch}`;
const NATIVE = {
  'better-sqlite3': (rel) => !/^(deps|src|binding\.gyp)(\/|$)/.test(rel) && (!rel.startsWith('build') || /^build(\/Release(\/better_sqlite3\.node)?)?$/.test(rel)),
  'node-hid': (rel) => !/^(hidapi|src|binding\.gyp)(\/|$)/.test(rel),
  '@serialport/bindings-cpp': (rel) => !/^(src|binding\.gyp)(\/|$)/.test(rel),
};
function keepPrebuild(rel) {
  const m = /^prebuilds\/([^/]+)/.exec(rel);
  // Keep "linux-arm64" and "HID-linux-arm64"/"HID_hidraw-linux-arm64"; drop -musl and the rest.
  return !m || m[1] === platform || m[1].endsWith(`-${platform}`);
}

// 3. Production dependencies, as npm ci --omit=dev would lay them out: listed here, copied below
// by one tar pipe (much faster than a file-by-file copy on an SD card or a busy disk).
const lock = JSON.parse(readFileSync(join(from, 'package-lock.json'), 'utf8'));
const modules = join(to, 'node_modules');
rmSync(modules, { recursive: true, force: true });
mkdirSync(modules, { recursive: true });
const list = [];
let copied = 0;
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  if (path === '' || !path.startsWith('node_modules/') || entry.dev === true) continue;
  const src = join(from, path);
  if (!existsSync(src)) {
    if (entry.optional === true) continue; // another platform's optional package
    fail(`stage.mjs: ${src} is missing; run \`npm ci\` first`);
  }
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const native = NATIVE[name] ?? (() => true);
  (function walk(rel) {
    for (const e of readdirSync(join(src, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      // Nested node_modules are lockfile entries of their own (and may hold dev-only packages).
      if (r === 'node_modules' || isJunk(r) || !native(r) || !keepPrebuild(r)) continue;
      if (e.isDirectory()) walk(r);
      else list.push(`${path}/${r}`);
    }
  })('');
  copied++;
}
const tar = spawnSync('sh', ['-c', 'tar -C "$1" --null -T - -cf - | tar -C "$2" -xf -', 'stage', from, to], {
  input: list.join('\0'),
  stdio: ['pipe', 'inherit', 'inherit'],
});
if (tar.status !== 0) fail(`stage.mjs: copying node_modules failed (tar exit ${tar.status})`);

// 5. Every native addon left must be an ELF for the target arch: a deb for arm64 with x86-64
// addons would install fine and then fail at the first payment.
const ELF_MACHINE = { x64: 62, arm64: 183, arm: 40 };
const wanted = ELF_MACHINE[opts.arch];
if (wanted === undefined) fail(`stage.mjs: unknown --arch ${opts.arch} (x64, arm64, arm)`);
const addons = [];
(function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile() && e.name.endsWith('.node')) addons.push(p);
  }
})(modules);
for (const addon of addons) {
  const header = Buffer.alloc(20);
  const fd = openSync(addon, 'r');
  readSync(fd, header, 0, 20, 0);
  closeSync(fd);
  const machine = header.readUInt16LE(18);
  if (header.readUInt32BE(0) !== 0x7f454c46 || machine !== wanted) {
    fail(`stage.mjs: ${addon} is not a ${opts.arch} ELF (e_machine ${machine}); build node_modules on the target arch (docs/install.md)`);
  }
}
console.log(`staged dist/, package.json and ${copied} production packages (${addons.length} native addons, ${opts.arch}) into ${to}`);
