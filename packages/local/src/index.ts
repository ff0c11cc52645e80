export * from './services/s3/local-s3-endpoint';
export { BucketOptions, VersionRecord } from './services/s3/local-s3-store';
export { checksumOf, compositeChecksum } from './services/s3/s3-checksums';
export * from './services/service-rules';
export * from './services/sdk-environment';
export * from './testing/local-s3-sandbox';
