export * from './location';
export * from './s3-location';
export * from './efs-location';
export * from './task-options';
export * from './transfer-task';
export * from './transfer-filter';
export * from './stage-in-transfer';
export * from './stage-out-transfer';
