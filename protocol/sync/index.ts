// Public surface of protocol/sync: the MQTT sync contract shared by terminals and the back office.
export * from './topics.js';
export * from './batch.js';
export * from './ack.js';
export * from './status.js';
export * from './verify.js';
