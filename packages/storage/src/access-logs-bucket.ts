import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ABORT_INCOMPLETE_UPLOADS_DAYS, acknowledgeNoReplication, secureBucketProps } from './private/secure-bucket';
import { wholeDays } from './private/validation';

const SERVER_ACCESS_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** How long a superseded or deleted log object is kept. */
const LOG_NONCURRENT_DAYS = 30;

export interface AccessLogsBucketProps {
  /**
   * How long server access log objects are kept before they expire.
   *
   * @default Duration.days(365)
   */
  readonly retention?: Duration;

  /**
   * What happens to the bucket when the stack is deleted. A bucket that still
   * holds logs cannot be deleted by CloudFormation; empty it first.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A bucket that receives the S3 server access logs of the pipeline's buckets.
 *
 * It is encrypted with SSE-S3 (the only default encryption S3 log delivery
 * supports), blocks all public access, requires TLS, disables ACLs (the
 * logging service writes through the bucket policy), is versioned, and
 * expires logs after the retention period. It does not log to itself.
 *
 * @example
 * const logs = new AccessLogsBucket(this, 'AccessLogs', { retention: Duration.days(90) });
 * new UploadBucket(this, 'Uploads', { serverAccessLogsBucket: logs.bucket });
 */
export class AccessLogsBucket extends Construct {
  /** The log bucket. */
  public readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps = {}) {
    super(scope, id);
    const errors = ConstructErrors.of(this, 'AccessLogsBucket');
    // Log delivery is allowed through the bucket policy (ACLs stay disabled)
    // whatever the app's feature flags; S3 reads this flag on the target bucket.
    this.node.setContext(SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const retention = props.retention ?? Duration.days(365);
    wholeDays(errors, 'retention', retention, 1);

    const bucket = new s3.Bucket(this, 'Bucket', {
      ...secureBucketProps(),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [{
        id: 'ExpireLogs',
        expiration: retention,
        noncurrentVersionExpiration: Duration.days(LOG_NONCURRENT_DAYS),
        abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOADS_DAYS),
      }],
    });
    this.bucket = bucket;

    const selfLogging = 'This bucket is the target of the server access logs of the pipeline buckets; logging it to itself would log every log '
      + 'delivery, and logging it elsewhere needs another log bucket without end.';
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: selfLogging });
    Validations.of(bucket).acknowledge({ id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason: selfLogging });
    Validations.of(bucket).acknowledge({
      id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
      reason: 'S3 server access log delivery supports only SSE-S3 default encryption on the target bucket, so this bucket cannot use SSE-KMS.',
    });
    acknowledgeNoReplication(bucket, 'access-log bucket');
  }
}
