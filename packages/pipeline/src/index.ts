export * from './batch-pipeline-props';
export * from './batch-pipeline';
