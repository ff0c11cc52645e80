export * from './cli';
export * from './cli-error';
export * from './command';
