// Public library entry point: re-exports each layer's public API.
export * from './errors.js';
export * from './crypto/random.js';
export * from './data/index.js';
export { type BudgetLedger, type PrivacyBudget, type SpendRequest, type LedgerEntry, type SpendGrant, type SpendRefusal, type SpendOutcome, budgetExceededError } from './dp/budget-ledger.js';
export { InMemoryBudgetLedger, type InMemoryBudgetLedgerOptions } from './dp/budget-ledger-memory.js';
export * from './aggregation/index.js';
export * from './fl/index.js';
export * from './ml/index.js';
export * from './dp/accountants/index.js';
export * from './dp/calibration/index.js';
export * from './crypto/elgamal/index.js';
export * from './dp/samplers/index.js';
export * from './dp/mechanisms/index.js';
export * from './dp/statistics/index.js';
export * from './crypto/paillier/index.js';
export * from './fl/private-training.js';
export * from './fl/encrypted-aggregation/index.js';
export * from './fl/dp/index.js';
