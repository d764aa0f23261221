// The product version every CLI prints with --version: package.json's, read once, next to dist/ in a checkout and in the package.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** package.json's "version" (dist/common/version.js → ../../package.json; the package ships that file). */
export function packageVersion(read: (url: URL) => string = (u) => readFileSync(u, 'utf8')): string {
  cached ??= (JSON.parse(read(new URL('../../package.json', import.meta.url))) as { version: string }).version;
  return cached;
}
