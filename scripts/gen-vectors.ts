// `make vectors`: regenerates test/vectors/*.json from fixed seeds (byte-identical on every run).
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildVectors, renderVectorFiles } from '../test/vectors/build.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(repoRoot, 'test', 'vectors');

const files = renderVectorFiles(await buildVectors());
mkdirSync(dir, { recursive: true });
let cases = 0;
for (const [name, text] of Object.entries(files)) {
  writeFileSync(join(dir, name), text);
  cases += (JSON.parse(text) as { cases?: unknown[] }).cases?.length ?? 0;
}
console.log(`wrote ${Object.keys(files).length} files, ${cases} cases to ${dir}`);
