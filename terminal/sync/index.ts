// Public surface of terminal/sync: the MQTT sync service, its config, fleet application and inbound checks.
export * from './config.js';
export * from './fleet.js';
export * from './connect.js';
export * from './service.js';
export * from './cli-progress.js';
export * from './inbound.js';
