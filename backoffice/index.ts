// Public surface of backoffice/: issuer, ledger, clearing service and a simulated terminal for tests and the demo.
export * from './backoffice.js';
export * from './home.js';
export * from './ledger.js';
export * from './sqlite-ledger.js';
export * from './clearing.js';
export * from './service.js';
export * from './report.js';
export * from './sim-terminal.js';
export * from './broker-acl.js';
export * from './ops/index.js';
export * from './terminal-health.js';
export * from './wallet/service.js';
