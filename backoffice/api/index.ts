// Public surface of backoffice/api/: the HTTP API server and what route files and the wallet API build on.
export * from './server.js';
export * from './auth.js';
export * from './guard.js';
export * from './errors.js';
export * from './paging.js';
export * from './app.js';
export * from './constants.js';
export type { DevUser } from './dev-idp/users.js';
