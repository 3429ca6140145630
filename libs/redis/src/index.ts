export * from './redis-connection.factory';
export * from './redis-keys';
export * from './redis.module';
export * from './redis-preflight';
export * from './redis-unavailable';
export * from './replica-ack';
