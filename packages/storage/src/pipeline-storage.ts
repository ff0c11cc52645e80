import { IPipelineNetwork } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogsBucket, AccessLogsBucketProps } from './access-logs-bucket';
import { PipelineFileSystem, PipelineFileSystemProps } from './pipeline-file-system';
import { ReportsBucket, ReportsBucketProps } from './reports-bucket';
import { UploadBucket, UploadBucketProps } from './upload-bucket';

export interface PipelineStorageProps {
  /**
   * The pipeline network for the file system. Give either this or
   * `fileSystem.vpc`.
   *
   * @default - `fileSystem.network` or `fileSystem.vpc` must be given
   */
  readonly network?: IPipelineNetwork;

  /**
   * Options of the upload bucket. Its own `encryptionKey`,
   * `serverAccessLogsBucket` and `removalPolicy` win over the shared ones.
   *
   * @default - the `UploadBucket` defaults
   */
  readonly uploads?: UploadBucketProps;

  /**
   * Options of the reports bucket. Its own `encryptionKey`,
   * `serverAccessLogsBucket` and `removalPolicy` win over the shared ones.
   *
   * @default - the `ReportsBucket` defaults
   */
  readonly reports?: ReportsBucketProps;

  /**
   * Options of the file system. Its own `encryptionKey` and `removalPolicy`
   * win over the shared ones.
   *
   * @default - the `PipelineFileSystem` defaults, in `network`
   */
  readonly fileSystem?: PipelineFileSystemProps;

  /**
   * Options of the access-log bucket shared by both buckets, when one is created.
   *
   * @default - the `AccessLogsBucket` defaults, with the shared removal policy
   */
  readonly accessLogs?: AccessLogsBucketProps;

  /**
   * An existing bucket for the server access logs of both buckets.
   *
   * @default - one new `AccessLogsBucket` shared by both buckets
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * KMS key that encrypts both buckets and the file system.
   *
   * @default - SSE-S3 for the buckets and the AWS managed key for EFS
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the buckets and the file system when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * All the storage of the pipeline in one construct: the upload bucket, the
 * reports bucket, one access-log bucket for both, and the file system with
 * its access point.
 *
 * @example
 * const storage = new PipelineStorage(this, 'Storage', {
 *   network,
 *   uploads: { watchPrefix: 'incoming/' },
 * });
 */
export class PipelineStorage extends Construct {
  /** The upload bucket. */
  public readonly uploads: UploadBucket;
  /** The reports bucket. */
  public readonly reports: ReportsBucket;
  /** The file system and its access point. */
  public readonly fileSystem: PipelineFileSystem;
  /** The bucket that receives the server access logs of both buckets (unless a bucket was given its own). */
  public readonly accessLogsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: PipelineStorageProps = {}) {
    super(scope, id);
    // Errors of the parts name this construct and the prop the user set (`'uploads.expiration'`).
    const errors = ConstructErrors.of(this, 'PipelineStorage');
    const sharedProps = { encryptionKey: 'encryptionKey', serverAccessLogsBucket: 'serverAccessLogsBucket', removalPolicy: 'removalPolicy' };
    errors.tellPart(this, 'AccessLogs', 'accessLogs', sharedProps);
    errors.tellPart(this, 'Uploads', 'uploads', sharedProps);
    errors.tellPart(this, 'Reports', 'reports', sharedProps);
    errors.tellPart(this, 'FileSystem', 'fileSystem', { ...sharedProps, network: 'network' });
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.accessLogsBucket = props.serverAccessLogsBucket
      ?? new AccessLogsBucket(this, 'AccessLogs', { removalPolicy, ...props.accessLogs }).bucket;
    const shared = { encryptionKey: props.encryptionKey, serverAccessLogsBucket: this.accessLogsBucket, removalPolicy };
    this.uploads = new UploadBucket(this, 'Uploads', { ...shared, ...withoutUndefined(props.uploads) });
    this.reports = new ReportsBucket(this, 'Reports', { ...shared, ...withoutUndefined(props.reports) });
    this.fileSystem = new PipelineFileSystem(this, 'FileSystem', {
      network: props.network,
      encryptionKey: props.encryptionKey,
      removalPolicy,
      ...withoutUndefined(props.fileSystem),
    });
  }
}

/** A copy without the keys whose value is undefined, so that spreading it keeps the shared defaults. */
function withoutUndefined<T extends object>(props: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(props ?? {}).filter(([, value]) => value !== undefined)) as Partial<T>;
}
