#!/usr/bin/env node
// Writes a package's machine-readable (DEP-5) debian/copyright: Tessera's own licence, the Unifont glyphs, and every npm package staged into its LIBDIR.
// Usage: node packaging/copyright.mjs --package NAME --lib STAGED_LIBDIR [--from PROJECT_DIR] > copyright
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { URL } from 'node:url';
import { PROFILES } from './profiles.mjs';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  const value = at > 0 ? process.argv[at + 1] : fallback;
  if (!value) {
    console.error(`usage: copyright.mjs --package NAME --lib LIBDIR (missing --${name})`);
    process.exit(2);
  }
  return value;
};
const pkgName = arg('package');
const lib = arg('lib');
const from = arg('from', '.');
const LICENSES = new URL('./licenses/', import.meta.url);
// Short names whose standalone text lives in packaging/licenses/ (file name when it differs).
const TEXT_FILE = { 'GPL-2+ with Font exception': 'GPL-2+-font-exception' };

/** SPDX expression → DEP-5 License field ("(MIT OR X11)" → "MIT or X11"). */
function dep5License(spdx) {
  return spdx.replace(/[()]/g, '').replace(/ OR /g, ' or ').replace(/ AND /g, ' and ').trim();
}

/** Copyright lines of a package: its licence file's "Copyright …" lines, else package.json's author. */
function holders(dir, meta) {
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  const lines = file
    ? readFileSync(join(dir, file), 'utf8').split('\n')
      .map((l) => l.replace(/^[\s#*>]+|[\s*]+$/g, ''))
      .filter((l) => /^(copyright\b|\(c\)|©)/i.test(l) && !/copyright (notice|holders?\b|owner)/i.test(l))
      .map((l) => l.replace(/^copyright\s*/i, '').replace(/^(\(c\)|©)\s*/i, '').trim())
      .filter((l) => l.length > 0)
    : [];
  if (lines.length > 0) return [...new Set(lines)];
  const author = typeof meta.author === 'string' ? meta.author : meta.author?.name;
  return [author?.trim() || `the ${meta.name} authors`];
}

/** Every installed package under node_modules (nested ones too), as lockfile-style paths. */
function packages(root, base = 'node_modules') {
  const out = [];
  const dir = join(root, base);
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const names = e.name.startsWith('@') ? readdirSync(join(dir, e.name)).map((n) => `${e.name}/${n}`) : [e.name];
    for (const n of names) {
      const path = `${base}/${n}`;
      if (existsSync(join(root, path, 'package.json'))) out.push(path);
      out.push(...packages(root, `${path}/node_modules`));
    }
  }
  return out.sort();
}

const version = JSON.parse(readFileSync(join(lib, 'package.json'), 'utf8')).version;
const paras = [
  [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: tessera',
    `Comment: ${pkgName} ${version} is built from the Tessera source tree. It bundles the npm`,
    ' packages below (each under /usr/lib/' + pkgName + '/node_modules/, with its own licence',
    ' file where its authors ship one).',
  ],
  ['Files: *', 'Copyright: 2026 Tessera maintainers', 'License: UNLICENSED'],
];
const used = new Set(['UNLICENSED']);
if (existsSync(join(lib, 'dist/drivers/fonts/unifont.js'))) {
  paras.push([
    'Files: drivers/fonts/*',
    'Copyright: 1998-2019 Roman Czyborra, Paul Hardy, Jungshik Shin, Qianqian Fang,',
    ' Luis Alejandro Gonzalez Miranda, Andrew Miller, David Corbett, Johnnie Weaver',
    'License: GPL-2+ with Font exception',
    'Comment: GNU Unifont glyphs, converted unaltered at build time into',
    ' dist/drivers/fonts/unifont.js.',
  ]);
  used.add('GPL-2+ with Font exception');
}
if (existsSync(join(lib, 'node_modules/better-sqlite3'))) {
  paras.push([
    'Files: node_modules/better-sqlite3/deps/sqlite3/*',
    'Copyright: none (public domain), D. Richard Hipp and the SQLite developers',
    'License: public-domain',
    'Comment: SQLite, compiled into better_sqlite3.node.',
  ]);
  used.add('public-domain');
}
const shipped = packages(lib).map((path) => ({ path, dir: join(lib, path) }));
const web = (PROFILES[pkgName]?.webBundled ?? []).map((name) => ({ path: `node_modules/${name}`, dir: join(from, 'node_modules', name), web: true }));
for (const { path, dir, web: inWeb } of [...shipped, ...web.filter((w) => !shipped.some((s) => s.path === w.path))]) {
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const spdx = typeof meta.license === 'string' ? meta.license : (meta.license?.type ?? meta.licenses?.map((l) => l.type).join(' OR '));
  if (!spdx) throw new Error(`copyright: ${path} declares no licence`);
  const license = dep5License(spdx);
  for (const name of license.split(/ or | and /)) used.add(name);
  const [first, ...rest] = holders(dir, meta);
  const comment = inWeb ? ['Comment: compiled into the web apps (dist/web/).'] : [];
  paras.push([`Files: ${path}/*`, `Copyright: ${first}`, ...rest.map((h) => ` ${h}`), `License: ${license}`, ...comment]);
}
for (const name of [...used].sort()) {
  const file = new URL(TEXT_FILE[name] ?? name, LICENSES);
  if (!existsSync(file)) throw new Error(`copyright: no text for licence "${name}"; add packaging/licenses/${TEXT_FILE[name] ?? name}`);
  const text = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => (l.trim() === '' ? ' .' : ` ${l}`));
  paras.push([`License: ${name}`, ...text]);
}
process.stdout.write(paras.map((p) => p.join('\n')).join('\n\n') + '\n');
