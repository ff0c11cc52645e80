export * from './pipeline-trigger';
export * from './pipeline-state-machine';
export * from './pipeline-orchestration';
