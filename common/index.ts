// Public surface of common/: the pieces every part of Tessera shares (errors, bus, logging, clock).
export * from './errors.js';
export * from './bus.js';
export * from './log.js';
export * from './clock.js';
export * from './cli.js';
export * from './money.js';
export * from './i18n.js';
export * from './day.js';
export * from './cli-docs.js';
