// Public surface of wallet/: the reference wallet library (keys, purses, durable sequence, payments, QR).
export * from './wallet.js';
export * from './core.js';
export * from './money.js';
export * from './durable.js';
export * from './qr.js';
