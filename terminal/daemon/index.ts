// Public surface of the daemon.
export * from './daemon.js';
