// Public surface of protocol/: wire formats, signing and offline verification, shared by every part.
export * from './portable.js';
export * from './node/keyfile.js';
