export * from './fleet-models';
export * from './registration-signer';
export * from './registry.module';
export * from './worker-registry.service';
export * from './worker-token';
export * from './worker-token-check';
