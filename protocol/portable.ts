// The platform-neutral part of protocol/ (no Node built-ins): what a browser or phone app bundles.
export * from './bytes-map.js';
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
export * from './bundle.js';
export * from './sync/index.js';
