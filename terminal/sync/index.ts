// Public surface of terminal/sync: the MQTT sync service, its config, fleet application and topics.
export * from './config.js';
export * from './topics.js';
export * from './fleet.js';
export * from './connect.js';
export * from './service.js';
export * from './cli-progress.js';
