export * from './pipeline-trigger';
