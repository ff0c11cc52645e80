export * from './nag-findings';
export * from './test-stack';
