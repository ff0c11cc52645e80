import { NagAcknowledgements } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Token } from 'aws-cdk-lib';
import * as datasync from 'aws-cdk-lib/aws-datasync';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ITransferLocation, LocationAccess, LocationKind } from './location';
import { SUBDIRECTORY_ALLOWED, normalizeSubdirectory } from './private/paths';
import { createDataSyncRole } from './private/service-role';

/** Bucket-level actions DataSync documents for an S3 location (source and destination alike). */
const BUCKET_ACTIONS = ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'];
/** Object-level actions DataSync needs to read from an S3 location. */
const OBJECT_READ_ACTIONS = ['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion', 's3:GetObjectVersionTagging'];
/** Object-level actions DataSync documents for an S3 location it writes to. */
const OBJECT_READ_WRITE_ACTIONS = [
  's3:AbortMultipartUpload',
  's3:DeleteObject',
  's3:GetObject',
  's3:GetObjectTagging',
  's3:GetObjectVersion',
  's3:GetObjectVersionTagging',
  's3:ListMultipartUploadParts',
  's3:PutObject',
  's3:PutObjectTagging',
];
/** KMS actions on the bucket's key: S3 decrypts objects DataSync reads, and generates data keys for objects it writes. */
const KMS_READ_ACTIONS = ['kms:Decrypt'];
const KMS_READ_WRITE_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];

/** The S3 storage class DataSync writes new objects with. */
export enum S3StorageClass {
  /** S3 Standard. */
  STANDARD = 'STANDARD',
  /** S3 Intelligent-Tiering. */
  INTELLIGENT_TIERING = 'INTELLIGENT_TIERING',
  /** S3 Standard-IA (minimum storage duration and size charges apply). */
  STANDARD_IA = 'STANDARD_IA',
  /** S3 One Zone-IA. */
  ONEZONE_IA = 'ONEZONE_IA',
  /** S3 Glacier Instant Retrieval. */
  GLACIER_INSTANT_RETRIEVAL = 'GLACIER_INSTANT_RETRIEVAL',
  /** S3 Glacier Flexible Retrieval. */
  GLACIER = 'GLACIER',
  /** S3 Glacier Deep Archive. */
  DEEP_ARCHIVE = 'DEEP_ARCHIVE',
}

/** An S3 location. */
export interface IS3Location extends ITransferLocation {
  /** The bucket. */
  readonly bucket: s3.IBucket;
  /** The normalized subdirectory (`/prefix/`, or `/` for the whole bucket). */
  readonly subdirectory: string;
  /** The role DataSync assumes to reach the bucket. */
  readonly bucketAccessRole: iam.IRole;
}

export interface S3LocationProps {
  /** The bucket. */
  readonly bucket: s3.IBucket;

  /**
   * The prefix DataSync reads from or writes to; the role may touch objects under it only.
   * `uploads`, `/uploads` and `uploads/` are the same.
   *
   * @default - the whole bucket
   */
  readonly subdirectory?: string;

  /**
   * What DataSync may do in the bucket.
   *
   * @default LocationAccess.READ_ONLY
   */
  readonly access?: LocationAccess;

  /**
   * The storage class of objects DataSync writes.
   *
   * @default S3StorageClass.STANDARD
   */
  readonly storageClass?: S3StorageClass;
}

/**
 * A DataSync location for an S3 bucket (or a prefix of it), with a role that
 * only DataSync of this account can assume and that may do, on that bucket
 * and prefix only, what DataSync documents for S3 locations: read-only
 * actions for a source, read and write actions for a destination, plus the
 * bucket key's KMS actions when the bucket is encrypted with KMS.
 *
 * @example
 * declare const bucket: s3.IBucket;
 * new S3Location(this, 'Uploads', { bucket, subdirectory: 'uploads/' });
 */
export class S3Location extends Construct implements IS3Location {
  public readonly locationArn: string;
  public readonly kind = LocationKind.S3;
  public readonly access: LocationAccess;
  public readonly bucket: s3.IBucket;
  public readonly subdirectory: string;
  public readonly bucketAccessRole: iam.IRole;
  /** Starting a task passes no role for an S3 location; its role is passed when the location is created. */
  public readonly roleToPassOnStart?: iam.IRole = undefined;

  constructor(scope: Construct, id: string, props: S3LocationProps) {
    super(scope, id);
    const errors = ConstructErrors.of(this, 'S3Location');
    this.bucket = props.bucket;
    this.access = props.access ?? LocationAccess.READ_ONLY;
    this.subdirectory = normalizeSubdirectory(props.subdirectory, () => errors.error(
      `${errors.prop('subdirectory')} '${props.subdirectory}' is not valid; allowed: ${SUBDIRECTORY_ALLOWED}`,
    ));

    const objects = Token.isUnresolved(this.subdirectory)
      ? this.bucket.arnForObjects(`${this.subdirectory}*`)
      : this.bucket.arnForObjects(`${this.subdirectory.slice(1)}*`);
    const readWrite = this.access === LocationAccess.READ_WRITE;
    const statements = [
      new iam.PolicyStatement({ actions: BUCKET_ACTIONS, resources: [this.bucket.bucketArn] }),
      new iam.PolicyStatement({ actions: readWrite ? OBJECT_READ_WRITE_ACTIONS : OBJECT_READ_ACTIONS, resources: [objects] }),
    ];
    if (this.bucket.encryptionKey) {
      statements.push(new iam.PolicyStatement({
        actions: readWrite ? KMS_READ_WRITE_ACTIONS : KMS_READ_ACTIONS,
        resources: [this.bucket.encryptionKey.keyArn],
      }));
    }
    const { role, policy } = createDataSyncRole(this, 'BucketAccessRole',
      `DataSync ${readWrite ? 'read-write' : 'read-only'} access to one S3 location`, statements);
    this.bucketAccessRole = role;
    NagAcknowledgements.acknowledgeWildcardResource(policy, objects,
      'DataSync reads (and, for a destination, writes) any object under the location prefix; object keys are not known at deploy time. The '
        + 'wildcard covers only this bucket and prefix.');

    const location = new datasync.CfnLocationS3(this, 'Resource', {
      s3BucketArn: this.bucket.bucketArn,
      s3Config: { bucketAccessRoleArn: role.roleArn },
      subdirectory: this.subdirectory,
      s3StorageClass: props.storageClass,
    });
    // DataSync checks the role when the location is created.
    location.node.addDependency(policy);
    this.locationArn = location.attrLocationArn;
  }
}
