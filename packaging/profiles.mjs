// The two packages' contents in dist/: which commands' entry points they are built from, and the files no import reaches.
export const PROFILES = {
  // The terminal: the daemon (also as the one-file bundle `tessera daemon` runs), the CLI, provisioning and drivers.
  tessera: {
    entries: ['dist/terminal/cli/main.js', 'dist/terminal/cli/daemon-main.js'],
    extra: ['dist/tessera-daemon.mjs'],
  },
  // The back office: its CLI and HTTP API server, the reference wallet CLI, and the web apps the server serves.
  'tessera-backoffice': {
    entries: ['dist/backoffice/cli/main.js', 'dist/wallet/cli/main.js'],
    extra: ['dist/web'],
    // npm packages Vite compiled into the web apps' assets (their licences go into the copyright file).
    webBundled: ['react', 'react-dom', 'scheduler', 'uplot', 'oauth4webapi', 'idb', 'jsqr', 'qrcode', 'dijkstrajs', 'workbox-core', 'workbox-routing', 'workbox-precaching', 'workbox-window'],
  },
};
