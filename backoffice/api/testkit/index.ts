// Test kit for the back-office API (not in the production barrel): a token-minting test issuer and the dev IdP's sign-in driven like a browser.
export * from './token-issuer.js';
export * from './dev-login.js';
export * from './harness.js';
