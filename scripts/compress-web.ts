// `make build`: writes .br and .gz next to the web apps' text assets (dist/web/<app>) so the back office serves them pre-compressed.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Text assets worth compressing; images (PNG) are compressed already. */
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|txt|map)$/;

export interface Compressed {
  file: string;
  bytes: number;
  br: number;
  gz: number;
}

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

/**
 * Compresses every text asset under `root` at the highest levels (done once, at build time, so the
 * server spends no CPU per request). A variant that would not be smaller is not written: the server
 * then sends the file as it is.
 */
export function compressWebRoot(root: string): Compressed[] {
  const out: Compressed[] = [];
  for (const file of files(root)) {
    if (!COMPRESSIBLE.test(file)) continue;
    const raw = readFileSync(file);
    const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
    const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
    if (br.length < raw.length) writeFileSync(`${file}.br`, br);
    if (gz.length < raw.length) writeFileSync(`${file}.gz`, gz);
    out.push({ file, bytes: raw.length, br: br.length, gz: gz.length });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const roots = process.argv.slice(2);
  if (roots.length === 0 || roots.includes('--help')) {
    console.log('usage: node dist/scripts/compress-web.js DIR...\n  writes FILE.br and FILE.gz next to every text asset under each DIR (make build runs it on dist/web)');
    process.exit(roots.length === 0 ? 1 : 0);
  }
  for (const root of roots) {
    const done = compressWebRoot(root);
    const sum = (k: 'bytes' | 'br' | 'gz') => done.reduce((n, c) => n + c[k], 0);
    console.log(`${root}: ${done.length} files, ${sum('bytes')} B → ${sum('br')} B brotli, ${sum('gz')} B gzip`);
  }
}
