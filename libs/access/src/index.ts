export * from './access.module';
export * from './api-key-store';
export * from './owner-jobs';
export * from './rate-count';
export * from './usage-ledger';
export * from './usage-period';
