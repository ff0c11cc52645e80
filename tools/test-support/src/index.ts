export * from './iam-check';
export * from './nag-findings';
export * from './test-stack';
