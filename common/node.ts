// Node-only parts of common/ (files, processes, the package on disk), kept out of the #common barrel that browser builds import too.
export * from './version.js';
export * from './backup.js';
export * from './journald.js';
export * from './sqlite.js';
