export * from './job-inspector.service';
export * from './job-scheduler.service';
export * from './job-source';
export * from './queue-names';
export * from './queue-order';
export * from './queue-registry';
export * from './scheduler.module';
