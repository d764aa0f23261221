// Public surface of the terminal store.
export * from './open.js';
export * from './store.js';
export * from './verify-journal.js';
export { ACK_KEY, verifyJournalAck, type AckAnchor } from './ack-anchor.js';
export { SCHEMA_VERSION } from './migrations.js';
export { DEFAULT_CHECKPOINT, type CheckpointOptions, type CheckpointTimers } from './checkpoint.js';
export { paymentOf } from './payment-of.js';
