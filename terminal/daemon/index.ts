// Public surface of the daemon.
export * from './daemon.js';
export * from './testing.js';
