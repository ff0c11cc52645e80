export * from './batch-pipeline';
