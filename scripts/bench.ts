// `make bench`: runs every bench/*.ts section (or `--only name`), prints a table, writes bench/last-run.json.
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow, BenchSection } from '../bench/types.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/scripts
const benchDir = resolve(here, '../bench'); // dist/bench
const repoRoot = resolve(here, '../..');

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined) return '';
  return n >= 100 ? n.toFixed(digits) : n.toPrecision(3);
}

function parseArgs(argv: string[]): { only?: string } {
  const i = argv.indexOf('--only');
  return i >= 0 && argv[i + 1] ? { only: argv[i + 1] } : {};
}

async function main(): Promise<void> {
  const { only } = parseArgs(process.argv.slice(2));
  const names = readdirSync(benchDir)
    .filter((f) => f.endsWith('.js') && f !== 'types.js' && !f.endsWith('.test.js'))
    .map((f) => f.slice(0, -3))
    .filter((n) => only === undefined || n === only)
    .sort();
  if (names.length === 0) throw new Error(`no bench section${only ? ` named ${only}` : ''}`);
  const results: Record<string, BenchRow[]> = {};
  let failed = 0;
  for (const name of names) {
    const mod = (await import(pathToFileURL(join(benchDir, `${name}.js`)).href)) as BenchSection;
    console.log(`\n== ${name}`);
    const rows = await mod.run();
    results[name] = rows;
    console.log(['value', 'unit', 'floor', 'ratio', 'target', 'ok', 'name'].join('\t'));
    for (const r of rows) {
      if (r.pass === false) failed++;
      console.log([fmt(r.value), r.unit, fmt(r.floor), r.ratio?.toFixed(2) ?? '', r.target?.toFixed(2) ?? '', r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL', `${r.name}${r.floorName ? ` (floor: ${r.floorName})` : ''}`].join('\t'));
    }
  }
  const out = join(repoRoot, 'bench', 'last-run.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2) + '\n');
  console.log(`\nwrote ${out}; ${failed} row(s) below target`);
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
