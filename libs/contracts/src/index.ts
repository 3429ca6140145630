export * from './control';
export * from './errors';
export * from './job';
export * from './model-name';
export * from './ollama';
export * from './stream-event';
export * from './worker-info';
export * from './keep-alive';
