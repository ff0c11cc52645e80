export * from './access-logs-bucket';
export * from './upload-bucket';
export * from './reports-bucket';
export * from './pipeline-file-system';
export * from './pipeline-storage';
export * from './key-prefix';
