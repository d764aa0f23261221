// Lint configuration: typescript-eslint's recommended rules on every TypeScript source.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'demo-out/**', 'bench/last-run.json', 'coverage/**', '.tap/**', '.nodes/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
      // SQLite opens through common/sqlite.ts (Sqlite from '#common/node'), which loads the addon built for the
      // running Node's ABI (docs/decisions.md D-node); type imports of better-sqlite3 are fine.
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [{ name: 'better-sqlite3', allowTypeImports: true, message: "open SQLite with Sqlite from '#common/node' (the addon for the running Node)" }] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
