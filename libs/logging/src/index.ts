export * from './log-context';
export * from './log-format';
export * from './logging.module';
