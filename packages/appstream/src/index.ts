export * from './user-settings';
export * from './quality-control-desktop';
