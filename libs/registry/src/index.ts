export * from './fleet-models';
export * from './registry.module';
export * from './worker-registry.service';
