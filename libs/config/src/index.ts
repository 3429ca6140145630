export * from './config.namespaces';
export * from './env.schema';
export * from './grid-config';
export * from './grid-config.module';
export * from './shutdown';
