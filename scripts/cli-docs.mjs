#!/usr/bin/env node
// Generates man pages, bash and zsh completions for the three CLIs from their commander definitions (each CLI prints its tree with TESSERA_CLI_SPEC=1); `make build` runs it.
// Usage: node scripts/cli-docs.mjs [--out DIR]   (default dist/share: man/man1/*.1, bash-completion/completions/*, zsh/vendor-completions/_*)
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bashCompletion, manPage, zshCompletion } from '../dist/common/cli-docs.js';
import { packageVersion } from '../dist/common/version.js';

const at = process.argv.indexOf('--out');
const out = at > 0 ? process.argv[at + 1] : 'dist/share';
const CLIS = { tessera: 'dist/terminal/cli/main.js', 'tessera-backoffice': 'dist/backoffice/cli/main.js', 'tessera-wallet': 'dist/wallet/cli/main.js' };
// The date of the release, not of the build: reproducible pages (SOURCE_DATE_EPOCH when the packager sets it).
const date = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 0) * 1000 || Date.UTC(2026, 0, 1)).toISOString().slice(0, 10);
mkdirSync(join(out, 'man/man1'), { recursive: true });
mkdirSync(join(out, 'bash-completion/completions'), { recursive: true });
mkdirSync(join(out, 'zsh/vendor-completions'), { recursive: true });
for (const [name, entry] of Object.entries(CLIS)) {
  const spec = JSON.parse(execFileSync(process.execPath, [entry], { env: { ...process.env, TESSERA_CLI_SPEC: '1', NODE_OPTIONS: '' }, encoding: 'utf8' }));
  if (spec.name !== name) throw new Error(`${entry} says it is ${spec.name}, not ${name}`);
  writeFileSync(join(out, 'man/man1', `${name}.1`), manPage(spec, packageVersion(), date));
  writeFileSync(join(out, 'bash-completion/completions', name), bashCompletion(spec));
  writeFileSync(join(out, 'zsh/vendor-completions', `_${name}`), zshCompletion(spec));
}
console.log(`man pages, bash and zsh completions for ${Object.keys(CLIS).join(', ')} in ${out}`);
