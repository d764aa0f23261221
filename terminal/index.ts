// Public surface of terminal/: the daemon, checkout engine, store, trusted time, config and control API.
export * from './config.js';
export * from './time.js';
export * from './store/index.js';
export * from './checkout/index.js';
export * from './daemon/index.js';
export * from './api/index.js';
export * from './cli/index.js';
