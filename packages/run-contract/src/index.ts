export * from './run-id';
export * from './run-input';
