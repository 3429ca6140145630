export * from './ndjson-writer';
export * from './response-accumulator';
export * from './stream-budget';
export * from './streaming.module';
export * from './token-stream.codec';
export * from './token-stream.reader';
export * from './token-stream.writer';
