import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** Bucket- and object-level S3 actions, listed one by one so that grantees carry no wildcard actions. */
export interface ObjectAccess {
  readonly bucketActions: string[];
  readonly objectActions: string[];
  readonly keyActions: string[];
}

export const READ_OBJECTS: ObjectAccess = {
  bucketActions: ['s3:GetBucketLocation', 's3:ListBucket'],
  objectActions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'],
  keyActions: ['kms:Decrypt'],
};

export const PUT_OBJECTS: ObjectAccess = {
  bucketActions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
  objectActions: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
  keyActions: ['kms:Decrypt', 'kms:GenerateDataKey'],
};

/** What DataSync needs on a destination location: read, write and delete objects. */
export const READ_WRITE_OBJECTS: ObjectAccess = {
  bucketActions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
  objectActions: [...READ_OBJECTS.objectActions, ...PUT_OBJECTS.objectActions, 's3:DeleteObject'],
  keyActions: ['kms:Decrypt', 'kms:GenerateDataKey'],
};

/** Grants the given access to the objects under `prefix` (and to the bucket's key, if any). */
export function grantObjects(bucket: s3.IBucket, grantee: iam.IGrantable, access: ObjectAccess, prefix: string): iam.Grant {
  const onBucket = iam.Grant.addToPrincipalOrResource({
    grantee,
    actions: access.bucketActions,
    resourceArns: [bucket.bucketArn],
    resource: bucket,
  });
  const onObjects = iam.Grant.addToPrincipalOrResource({
    grantee,
    actions: access.objectActions,
    resourceArns: [bucket.arnForObjects(`${prefix}*`)],
    resource: bucket,
  });
  let grant = onBucket.combine(onObjects);
  if (bucket.encryptionKey) {
    grant = grant.combine(bucket.encryptionKey.grant(grantee, ...access.keyActions));
  }
  return grant;
}
