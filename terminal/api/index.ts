// Public surface of the control API: server, client and the transaction formats.
export * from './server.js';
export * from './client.js';
export * from './transactions.js';
