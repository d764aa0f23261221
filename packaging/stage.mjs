#!/usr/bin/env node
// Stages what one package runs into LIBDIR: the compiled files its commands load, a trimmed package.json, its production deps.
//
// Which files and packages: packaging/graph.mjs walks the module graph from the profile's entry points
// (packaging/profiles.mjs), so the terminal ships no back office, wallet, demo, bench or test kit, and no
// npm package only those use. Packages are copied from the already-installed node_modules/ (the set
// `npm ci --omit=dev` would lay out, narrowed to what the graph reaches) instead of downloaded again: that
// keeps `make install` offline and ships the very native addons built or fetched for this machine's arch.
// Usage: node packaging/stage.mjs --profile tessera|tessera-backoffice --from PROJECT_DIR --to LIBDIR [--arch x64|arm64|arm]
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { lockClosure, moduleGraph } from './graph.mjs';
import { PROFILES } from './profiles.mjs';

function args(argv) {
  const out = { from: '.', to: '', arch: process.arch, profile: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '');
    const value = argv[i + 1];
    if (!key || value === undefined || !(key in out)) fail(`usage: stage.mjs --profile NAME --from DIR --to LIBDIR [--arch ARCH] (bad: ${argv[i]})`);
    out[key] = value;
  }
  if (!out.to) fail('stage.mjs: --to LIBDIR is required');
  if (!PROFILES[out.profile]) fail(`stage.mjs: --profile must be one of ${Object.keys(PROFILES).join(', ')}`);
  return out;
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

function walkFiles(dir, rel = '') {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? walkFiles(dir, r) : [r];
  });
}

const opts = args(process.argv.slice(2));
const { from, to } = opts;
const profile = PROFILES[opts.profile];
if (!existsSync(join(from, 'dist'))) fail(`stage.mjs: ${join(from, 'dist')} is missing; run \`make build\` first`);

// 1. The compiled files the commands load, plus the profile's extras (the daemon bundle, the web apps);
//    never a test, a test kit or a source map.
const graph = await moduleGraph(from, profile.entries);
const files = new Set(graph.files);
for (const extra of profile.extra) {
  const abs = join(from, extra);
  if (!existsSync(abs)) fail(`stage.mjs: ${abs} is missing; run \`make build\` first`);
  if (statSync(abs).isDirectory()) for (const f of walkFiles(abs)) files.add(`${extra}/${f}`);
  else files.add(extra);
}
rmSync(join(to, 'dist'), { recursive: true, force: true });
for (const f of files) {
  if (/\.test\.js$|\.map$/.test(f)) continue;
  mkdirSync(dirname(join(to, f)), { recursive: true });
  cpSync(join(from, f), join(to, f));
}

// 2. package.json: "type": "module", the version every --version prints, and the "#common"-style aliases,
//    only those whose target ships (the test kits' aliases would point at files that are not there).
const pkg = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
const imports = Object.fromEntries(Object.entries(pkg.imports ?? {}).filter(([, target]) => files.has(target.replace(/^\.\//, ''))));
const dependencies = Object.fromEntries(graph.packages.map((n) => [n, pkg.dependencies?.[n] ?? fail(`stage.mjs: ${n} is loaded but not in package.json "dependencies"`)]));
const staged = { name: opts.profile, version: pkg.version, description: pkg.description, license: pkg.license, private: true, type: pkg.type, engines: pkg.engines, imports, dependencies };
writeFileSync(join(to, 'package.json'), JSON.stringify(staged, null, 2) + '\n');

// Files no command ever loads: type declarations, TypeScript sources, source maps, docs (but never a
// licence), packages' own tests, examples, CI and tool config (dotfiles), HTML docs. Fewer files, faster installs.
const JUNK_FILE = /^\.|\.(d\.[cm]?ts|[cm]?ts|map|md|markdown|yml|yaml|html|sh)$|\.(test|spec)\.[cm]?js$|^test\.[cm]?js$/i;
const JUNK_DIR = new Set(['.github', 'test', 'tests', '__tests__', 'fixture', 'fixtures', 'coverage', 'example', 'examples', 'benchmark', 'benchmarks', 'integration']);
function isJunk(rel) {
  const parts = rel.split('/').filter(Boolean);
  const base = parts.at(-1) ?? '';
  if (/^licen[cs]e/i.test(base)) return false;
  return parts.some((p) => JUNK_DIR.has(p)) || JUNK_FILE.test(base);
}

// Native addon packages: the JS and the one .node file for this OS, arch and libc (glibc), not the C
// sources, build intermediates or other platforms' prebuilt binaries.
const platform = `linux-${opts.arch}`;
const NATIVE = {
  'better-sqlite3': (rel) => !/^(deps|src|binding\.gyp)(\/|$)/.test(rel) && (!rel.startsWith('build') || /^build(\/Release(\/better_sqlite3\.node)?)?$/.test(rel)),
  'node-hid': (rel) => !/^(hidapi|src|binding\.gyp)(\/|$)/.test(rel),
  '@serialport/bindings-cpp': (rel) => !/^(src|binding\.gyp)(\/|$)/.test(rel),
};
function keepPrebuild(rel) {
  const m = /^prebuilds\/([^/]+)/.exec(rel);
  // Keep "linux-arm64" and "HID-linux-arm64"/"HID_hidraw-linux-arm64"; drop -musl, .musl.node and the rest.
  return !m || ((m[1] === platform || m[1].endsWith(`-${platform}`)) && !/\.musl\.node$/.test(rel));
}

// 3. Production dependencies the graph reaches, copied by one tar pipe (much faster than a file-by-file
//    copy on an SD card or a busy disk).
const lock = JSON.parse(readFileSync(join(from, 'package-lock.json'), 'utf8'));
let paths;
try {
  paths = lockClosure(lock, graph.packages);
} catch (e) {
  fail(`stage.mjs: ${e.message}`);
}
const modules = join(to, 'node_modules');
rmSync(modules, { recursive: true, force: true });
mkdirSync(modules, { recursive: true });
const list = [];
let copied = 0;
for (const path of paths) {
  const src = join(from, path);
  if (!existsSync(src)) {
    if (lock.packages[path].optional === true) continue; // another platform's optional package
    fail(`stage.mjs: ${src} is missing; run \`npm ci\` first`);
  }
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const native = NATIVE[name] ?? (() => true);
  (function walk(rel) {
    for (const e of readdirSync(join(src, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      // Nested node_modules are lockfile entries of their own (and may hold packages not needed here).
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

// 4. better-sqlite3 built for other Node majors (scripts/node-abi.sh, `make node24`) rides along in
//    node-pre-gyp's layout, where common/sqlite.ts looks for the running Node's ABI.
const sqliteRoot = join(modules, 'better-sqlite3');
const abis = ['better-sqlite3 for this Node'];
if (existsSync(sqliteRoot) && existsSync(join(from, '.nodes'))) {
  for (const d of readdirSync(join(from, '.nodes'))) {
    const m = new RegExp(`^sqlite-abi(\\d+)-${platform}$`).exec(d);
    if (!m || !existsSync(join(from, '.nodes', d, 'better_sqlite3.node'))) continue;
    const dest = join(sqliteRoot, 'lib/binding', `node-v${m[1]}-${platform}`);
    mkdirSync(dest, { recursive: true });
    cpSync(join(from, '.nodes', d, 'better_sqlite3.node'), join(dest, 'better_sqlite3.node'));
    abis.push(`ABI ${m[1]}`);
  }
}

// 5. Modes as Debian expects them: 0644, 0755 for scripts (a #! line) only; shared objects 0644 and
//    stripped of debug symbols when this machine's strip can read them (same arch).
const ELF_MACHINE = { x64: 62, arm64: 183, arm: 40 };
const wanted = ELF_MACHINE[opts.arch];
if (wanted === undefined) fail(`stage.mjs: unknown --arch ${opts.arch} (x64, arm64, arm)`);
const addons = [];
for (const rel of [...walkFiles(to, 'dist'), ...walkFiles(to, 'node_modules')]) {
  const p = join(to, rel);
  const head = Buffer.alloc(20);
  const fd = openSync(p, 'r');
  const n = readSync(fd, head, 0, 20, 0);
  closeSync(fd);
  if (rel.endsWith('.node')) {
    addons.push({ p, head: head.subarray(0, n) });
    chmodSync(p, 0o644);
  } else {
    chmodSync(p, head.subarray(0, 2).toString() === '#!' ? 0o755 : 0o644);
  }
}

// 6. Every native addon left must be an ELF for the target arch: a deb for arm64 with x86-64 addons
//    would install fine and then fail at the first payment.
for (const { p, head } of addons) {
  const machine = head.length >= 20 ? head.readUInt16LE(18) : -1;
  if (head.readUInt32BE(0) !== 0x7f454c46 || machine !== wanted) {
    fail(`stage.mjs: ${p} is not a ${opts.arch} ELF (e_machine ${machine}); build node_modules on the target arch (docs/install.md)`);
  }
  if (opts.arch === process.arch) spawnSync('strip', ['--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', p], { stdio: 'inherit' });
}
console.log(`staged ${opts.profile}: ${files.size} files of dist/, package.json and ${copied} production packages (${addons.length} native addons, ${opts.arch}; ${abis.join(', ')}) into ${to}`);
