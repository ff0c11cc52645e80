import { Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';

/** Days after which an incomplete multipart upload is aborted in every bucket of this package. */
export const ABORT_INCOMPLETE_UPLOADS_DAYS = 7;

/**
 * The security settings every bucket of this package shares: default
 * encryption (SSE-KMS with a bucket key when a key is given, SSE-S3
 * otherwise), all public access blocked, TLS 1.2 or newer required, ACLs
 * disabled and versioning on.
 */
export function secureBucketProps(encryptionKey?: kms.IKey): s3.BucketProps {
  return {
    encryption: encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    encryptionKey,
    bucketKeyEnabled: encryptionKey ? true : undefined,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
  };
}

/** Acknowledges NIST S3BucketReplicationEnabled, with the reason for this bucket. */
export function acknowledgeNoReplication(bucket: IConstruct, what: string): void {
  Validations.of(bucket).acknowledge({
    id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
    reason: `The ${what} is versioned in one region; cross-region replication is a disaster-recovery choice of the deployer (add a replication `
      + 'rule to the bucket) and would double the storage cost by default.',
  });
}

/** Acknowledges NIST S3DefaultEncryptionKMS when no key is given, with the reason for this bucket. */
export function acknowledgeSseS3(bucket: IConstruct, what: string, encryptionKey?: kms.IKey): void {
  if (!encryptionKey) {
    Validations.of(bucket).acknowledge({
      id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
      reason: `The ${what} is encrypted at rest with SSE-S3 (AES-256) by default so that DataSync and the jobs need no KMS grants; `
        + 'set encryptionKey to use SSE-KMS with a customer managed key.',
    });
  }
}
