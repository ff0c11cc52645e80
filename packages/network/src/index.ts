export * from './egress-mode';
export * from './registry-kind';
export * from './pipeline-network';
export * from './nag-acknowledgements';
export * from './nfs-access';
