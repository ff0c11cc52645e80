export * from './run-contract';
export * from './job-image';
export * from './batch-processor';
