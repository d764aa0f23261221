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

const sections = (): string[] =>
  readdirSync(benchDir)
    .filter((f) => f.endsWith('.js') && f !== 'types.js' && !f.endsWith('.test.js'))
    .map((f) => f.slice(0, -3))
    .sort();

function usage(): string {
  return [
    'usage: node dist/scripts/bench.js [--only SECTION]   (after make build; `make bench` builds and runs all)',
    '',
    'Runs each bench section against its floor measured in the same run, prints one table and writes',
    'bench/last-run.json. Figures, methods and how to read them: docs/performance.md.',
    '',
    `sections: ${sections().join(', ')}`,
  ].join('\n');
}

function parseArgs(argv: string[]): { only?: string; help?: true } {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };
  if (argv.length === 0) return {};
  if (argv[0] === '--only' && argv.length === 2) return { only: argv[1] as string };
  throw new Error(`unknown arguments: ${argv.join(' ')}\n\n${usage()}`);
}

async function main(): Promise<void> {
  const { only, help } = parseArgs(process.argv.slice(2));
  if (help) {
    console.log(usage());
    return;
  }
  const names = sections().filter((n) => only === undefined || n === only);
  if (names.length === 0) throw new Error(`no bench section${only ? ` named ${only}` : ''}; sections: ${sections().join(', ')}`);
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
