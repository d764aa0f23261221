// Public surface of backoffice/: issuer, ledger, clearing service, operator tools and the wallet service.
export * from './backoffice.js';
export * from './home.js';
export * from './ledger.js';
export * from './sqlite-ledger.js';
export * from './clearing.js';
export * from './service.js';
export * from './report.js';
export * from './broker-acl.js';
export * from './ops/index.js';
export * from './terminal-health.js';
export * from './wallet/service.js';
