// The operator service layer: each operation a function over the Ledger with explicit inputs, returning plain data (CLI and HTTP API call these).
export * from './close-purse.js';
export * from './day.js';
export * from './fraud-cases.js';
export { FRAUD_OUTCOMES, type FraudCaseView, type FraudEvidence, type FraudOutcome, type ResolutionView } from './fraud-rows.js';
export * from './lookup-purse.js';
export * from './lookup-terminal.js';
export * from './lookup-transaction.js';
export * from './paging.js';
export type { PurseView } from './purse-rows.js';
export * from './refund.js';
export type { RefundView } from './refund-rows.js';
export * from './resolve-fraud.js';
export * from './sealed.js';
export * from './search.js';
export * from './statements.js';
export type { TransactionSummary } from './tx-rows.js';
export * from './undeny.js';
export { money, type Money, type PaymentView } from './view.js';
