export * from './run-id';
export * from './run-input';
export * from './upload-filter';
export * from './rerun-id';
