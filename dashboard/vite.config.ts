// Vite build of the operator's and merchant's dashboard: static files under /dashboard/, served by `tessera-backoffice serve`.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/dashboard/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The size report (docs/performance.md) reads these gzipped figures.
    reportCompressedSize: true,
  },
});
