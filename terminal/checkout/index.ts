// Public surface of the checkout: the engine, its device seams, fleet state, identity and limits.
export * from './adjustments.js';
export * from './adjust-rules.js';
export * from './checkout.js';
export * from './devices.js';
export * from './fleet.js';
export * from './identity.js';
export * from './latency.js';
export * from './limits.js';
export * from './types.js';
