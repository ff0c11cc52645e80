import { NagAcknowledgements } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeExecutionWildcard } from './acknowledge-grantee';
import { createDataSyncRole } from './service-role';

/** The key prefix of the per-run manifests in the manifest bucket. */
export const MANIFEST_PREFIX = 'manifests/';

/**
 * Where the per-execution manifests of a stage-in live, and the role DataSync reads them with
 * (DataSync User Guide, "Transferring specific files or objects by using a manifest": the role
 * needs s3:GetObject and s3:GetObjectVersion on the manifest, and the key's decrypt permission
 * when the bucket is encrypted with KMS). A bucket of its own, so that a manifest can never start
 * a run (no upload notification watches it) nor be taken for a report.
 */
export class TransferManifests extends Construct {
  public readonly bucket: s3.IBucket;
  public readonly readRole: iam.IRole;

  constructor(scope: Construct, id: string, props: { readonly bucket?: s3.IBucket; readonly retention: Duration; readonly errors: ConstructErrors }) {
    super(scope, id);
    const days = props.retention.toDays({ integral: false });
    if (!props.retention.isUnresolved() && (!Number.isInteger(days) || days < 1)) {
      throw props.errors.error(`${props.errors.prop('manifestRetention')} ${props.retention.toHumanString()} is not valid; allowed: whole days, `
        + 'at least 1 (S3 lifecycle expiration counts in days)');
    }
    this.bucket = props.bucket ?? this.createBucket(props.retention);
    const manifests = this.bucket.arnForObjects(`${MANIFEST_PREFIX}*`);
    const { role, policy } = createDataSyncRole(this, 'ReadRole', 'DataSync reads the per-run manifests of one stage-in', [
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [manifests] }),
    ]);
    this.bucket.encryptionKey?.grantDecrypt(role);
    this.readRole = role;
    NagAcknowledgements.acknowledgeWildcardResource(policy, manifests,
      'DataSync reads the manifest of each run; run ids are known only at run time, and the wildcard covers only the manifest prefix.');
    if (this.bucket.encryptionKey) {
      NagAcknowledgements.acknowledgeWildcardResource(role, '*', 'The key policy half of bucket.encryptionKey.grantDecrypt for the manifests.');
    }
  }

  /** Lets `grantee` write manifests (the workspace function, which writes one per run). */
  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    const manifests = this.bucket.arnForObjects(`${MANIFEST_PREFIX}*`);
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [manifests] });
    this.bucket.encryptionKey?.grantEncrypt(grantee);
    acknowledgeExecutionWildcard(grantee, manifests,
      'The workspace function writes one manifest per run under the manifest prefix; run ids are known only at run time.');
    return grant;
  }

  private createBucket(retention: Duration): s3.IBucket {
    const bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // A manifest is read when its execution leaves the queue; it is worth nothing after the run.
      lifecycleRules: [{ expiration: retention, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const reasons: Array<[string, string]> = [
      ['AwsSolutions-S1', 'Manifests are one-line lists of an upload key and version written by the pipeline itself; '
        + 'every write is in the workspace function\'s logs and the upload bucket keeps its own access logs.'],
      ['NIST.800.53.R5-S3BucketLoggingEnabled', 'Manifests are one-line lists of an upload key and version written by the pipeline itself; '
        + 'every write is in the workspace function\'s logs.'],
      ['NIST.800.53.R5-S3BucketReplicationEnabled', 'Manifests expire after the run; they can be rebuilt from the upload event and are not '
        + 'worth a replica.'],
      ['NIST.800.53.R5-S3BucketVersioningEnabled', 'A run writes its manifest once, under its own run id; versions would only keep expired lists.'],
      ['NIST.800.53.R5-S3DefaultEncryptionKMS', 'Manifests hold object keys and version ids only; S3-managed encryption lets DataSync read them '
        + 'without a key grant.'],
    ];
    for (const [id, reason] of reasons) Validations.of(bucket).acknowledge({ id, reason });
    return bucket;
  }
}
