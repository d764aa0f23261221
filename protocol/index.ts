// Public surface of protocol/: wire formats, signing and offline verification, shared by every part.
export * from './bytes.js';
export * from './base45.js';
export * from './cbor.js';
export * from './cose.js';
export * from './crypto/index.js';
export * from './signer.js';
export * from './reasons.js';
export * from './objects.js';
export * from './schema.js';
export * from './codec.js';
export * from './trust.js';
export * from './fares.js';
export * from './sealed.js';
export * from './verify.js';
export * from './node/keyfile.js';
export * from './testkit.js';
export * from './bundle.js';
