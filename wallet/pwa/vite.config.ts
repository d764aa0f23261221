// Builds the wallet web app into dist/web/wallet (served by the back office at /wallet/), with its service worker and manifest.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/wallet/',
  publicDir: 'public',
  build: { outDir: fileURLToPath(new URL('../../dist/web/wallet', import.meta.url)), emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  plugins: [
    react(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      manifestFilename: 'manifest.webmanifest',
      injectManifest: { globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'] },
      manifest: {
        name: 'Tessera wallet',
        short_name: 'Tessera',
        description: 'Pay at Tessera terminals, online or offline.',
        id: '/wallet/',
        start_url: '/wallet/',
        scope: '/wallet/',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#ffffff',
        theme_color: '#0b5cad',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
    }),
  ],
});
