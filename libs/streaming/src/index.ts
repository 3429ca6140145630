export * from './job-stream-appender';
export * from './ndjson-writer';
export * from './response-accumulator';
export * from './stream-ownership';
export * from './streaming.module';
export * from './token-stream.codec';
export * from './token-stream.reader';
export * from './token-stream.writer';
