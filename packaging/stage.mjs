#!/usr/bin/env node
// Stages what a terminal runs into LIBDIR: the built dist/ (no tests), package.json, production deps.
//
// Production deps are the package-lock.json entries without "dev": true — exactly the set that
// `npm ci --omit=dev` would install — copied from the already-installed node_modules/ instead of
// downloaded again. That keeps `make install` offline and fast, and ships the very native addons
// (better-sqlite3, node-hid, serialport) that were built or fetched for this machine's arch.
// Usage: node packaging/stage.mjs --from PROJECT_DIR --to LIBDIR [--arch x64|arm64|arm]
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
    return !/\.test\.js$|\.map$/.test(rel);
  },
});

// 2. package.json: "type": "module" and the "#common"-style import aliases resolve through it.
cpSync(join(from, 'package.json'), join(to, 'package.json'));

// 3. Production dependencies, as npm ci --omit=dev would lay them out.
const lock = JSON.parse(readFileSync(join(from, 'package-lock.json'), 'utf8'));
const modules = join(to, 'node_modules');
rmSync(modules, { recursive: true, force: true });
mkdirSync(modules, { recursive: true });
let copied = 0;
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  if (path === '' || !path.startsWith('node_modules/') || entry.dev === true) continue;
  const src = join(from, path);
  if (!existsSync(src)) {
    if (entry.optional === true) continue; // another platform's optional package
    fail(`stage.mjs: ${src} is missing; run \`npm ci\` first`);
  }
  const nested = join(src, 'node_modules');
  // Nested node_modules are lockfile entries of their own (and may hold dev-only packages).
  cpSync(src, join(to, path), { recursive: true, filter: (s) => s !== nested && !s.startsWith(nested + '/') });
  copied++;
}

// 4. Drop native build leftovers and other platforms' prebuilt binaries: a terminal needs only the
// one .node file per addon for its own OS and arch.
const prune = {
  'better-sqlite3': ['deps', 'src', 'binding.gyp'],
  'node-hid': ['hidapi', 'src', 'binding.gyp'],
  '@serialport/bindings-cpp': ['src', 'binding.gyp'],
};
for (const [pkg, entries] of Object.entries(prune)) {
  for (const e of entries) rmSync(join(modules, pkg, e), { recursive: true, force: true });
}
const sqliteBuild = join(modules, 'better-sqlite3', 'build');
if (existsSync(sqliteBuild)) {
  for (const e of readdirSync(sqliteBuild)) if (e !== 'Release') rmSync(join(sqliteBuild, e), { recursive: true, force: true });
  const release = join(sqliteBuild, 'Release');
  for (const e of readdirSync(release)) if (e !== 'better_sqlite3.node') rmSync(join(release, e), { recursive: true, force: true });
}
const platform = `linux-${opts.arch}`;
for (const pkg of Object.keys(prune)) {
  const prebuilds = join(modules, pkg, 'prebuilds');
  if (!existsSync(prebuilds) || !statSync(prebuilds).isDirectory()) continue;
  for (const e of readdirSync(prebuilds)) {
    // Keep "linux-arm64" and "HID-linux-arm64"/"HID_hidraw-linux-arm64"; drop -musl and others.
    if (!(e === platform || e.endsWith(`-${platform}`))) rmSync(join(prebuilds, e), { recursive: true, force: true });
  }
}
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
