import { testStack } from '@batch-pipeline/test-support';
import { Lazy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LocationAccess, LocationKind, S3Location, S3StorageClass } from '../src';
import { DATASYNC_TRUST, cfn, managedPolicyStatements, resourceStartingWith } from './helpers';

const BUCKET_ACTIONS = ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'];

describe('S3Location defaults', () => {
  const stack = testStack();
  const bucket = new s3.Bucket(stack, 'Bucket');
  const location = new S3Location(stack, 'Location', { bucket });
  const template = Template.fromStack(stack);

  test('creates a location for the whole bucket, read-only', () => {
    template.hasResourceProperties('AWS::DataSync::LocationS3', {
      S3BucketArn: cfn(stack, bucket.bucketArn),
      S3Config: { BucketAccessRoleArn: cfn(stack, location.bucketAccessRole.roleArn) },
      Subdirectory: '/',
    });
    expect(location.access).toBe(LocationAccess.READ_ONLY);
    expect(location.kind).toBe(LocationKind.S3);
    expect(location.subdirectory).toBe('/');
    expect(location.roleToPassOnStart).toBeUndefined();
  });

  test('leaves the storage class to DataSync (STANDARD)', () => {
    const properties = resourceStartingWith(template, 'AWS::DataSync::LocationS3', 'Location').Properties;
    expect(properties.S3StorageClass).toBeUndefined();
  });

  test('the role can be assumed only by DataSync acting for this account and region', () => {
    expect(resourceStartingWith(template, 'AWS::IAM::Role', 'LocationBucketAccessRole').Properties.AssumeRolePolicyDocument.Statement).toEqual(DATASYNC_TRUST);
  });

  test('the role may list the bucket and read its objects, nothing else', () => {
    expect(managedPolicyStatements(template, 'LocationBucketAccessRolePolicy')).toEqual([
      { Effect: 'Allow', Action: BUCKET_ACTIONS, Resource: cfn(stack, bucket.bucketArn) },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion', 's3:GetObjectVersionTagging'],
        Resource: { 'Fn::Join': ['', [cfn(stack, bucket.bucketArn), '/*']] },
      },
    ]);
  });

  test('the role has no inline policy and the location waits for the policy', () => {
    expect(resourceStartingWith(template, 'AWS::IAM::Role', 'LocationBucketAccessRole').Properties.Policies).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Policy', 0);
    expect(resourceStartingWith(template, 'AWS::DataSync::LocationS3', 'Location').DependsOn).toEqual([
      expect.stringMatching(/^LocationBucketAccessRolePolicy/),
    ]);
  });
});

describe('S3Location options', () => {
  test('a read-write location on a prefix may write objects under that prefix only', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    new S3Location(stack, 'Location', { bucket, subdirectory: 'reports', access: LocationAccess.READ_WRITE, storageClass: S3StorageClass.INTELLIGENT_TIERING });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::DataSync::LocationS3', { Subdirectory: '/reports/', S3StorageClass: 'INTELLIGENT_TIERING' });
    expect(managedPolicyStatements(template, 'LocationBucketAccessRolePolicy')).toEqual([
      { Effect: 'Allow', Action: BUCKET_ACTIONS, Resource: cfn(stack, bucket.bucketArn) },
      {
        Effect: 'Allow',
        Action: [
          's3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion',
          's3:GetObjectVersionTagging', 's3:ListMultipartUploadParts', 's3:PutObject', 's3:PutObjectTagging',
        ],
        Resource: { 'Fn::Join': ['', [cfn(stack, bucket.bucketArn), '/reports/*']] },
      },
    ]);
  });

  test.each([
    ['uploads', '/uploads/'],
    ['/uploads', '/uploads/'],
    ['uploads/', '/uploads/'],
    ['/a/b c/', '/a/b c/'],
    ['/', '/'],
    ['', '/'],
  ])('subdirectory %j is normalized to %j', (subdirectory, expected) => {
    const stack = testStack();
    const location = new S3Location(stack, 'Location', { bucket: new s3.Bucket(stack, 'Bucket'), subdirectory });
    expect(location.subdirectory).toBe(expected);
  });

  test('a subdirectory may hold a no-break space, a space separator of the DataSync pattern', () => {
    const stack = testStack();
    const location = new S3Location(stack, 'Location', { bucket: new s3.Bucket(stack, 'Bucket'), subdirectory: 'a\u00a0b' });
    expect(location.subdirectory).toBe('/a\u00a0b/');
  });

  test.each([
    ['a\tb', 'a tab'],
    ['a\nb', 'a line break'],
    ['x'.repeat(4095), 'more than 4096 characters once normalized'],
  ])('fails when the subdirectory %#, holding %s, is outside the DataSync pattern', (subdirectory) => {
    const stack = testStack();
    expect(() => new S3Location(stack, 'Location', { bucket: new s3.Bucket(stack, 'Bucket'), subdirectory })).toThrow(
      `S3Location 'Location': 'subdirectory' '${subdirectory}' is not valid; allowed: a path of at most 4094 letters, digits, spaces and _ - + . ( ) separated by single '/', without '.' or '..' segments, such as 'uploads/' or '/runs'`,
    );
  });

  test('a subdirectory of 4094 characters is accepted', () => {
    const stack = testStack();
    const location = new S3Location(stack, 'Location', { bucket: new s3.Bucket(stack, 'Bucket'), subdirectory: 'x'.repeat(4094) });
    expect(location.subdirectory.length).toBe(4096);
  });

  test('an unresolved subdirectory is used as is', () => {
    const stack = testStack();
    const subdirectory = Lazy.string({ produce: () => '/late/' });
    const location = new S3Location(stack, 'Location', { bucket: new s3.Bucket(stack, 'Bucket'), subdirectory });
    expect(location.subdirectory).toBe(subdirectory);
    Template.fromStack(stack).hasResourceProperties('AWS::DataSync::LocationS3', { Subdirectory: '/late/' });
  });

  test('a read-only location on a KMS-encrypted bucket may decrypt with its key', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: key });
    new S3Location(stack, 'Location', { bucket });
    expect(managedPolicyStatements(Template.fromStack(stack), 'LocationBucketAccessRolePolicy')[2]).toEqual(
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: cfn(stack, key.keyArn) },
    );
  });

  test('a read-write location on a KMS-encrypted bucket may decrypt, encrypt and generate data keys', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: key });
    new S3Location(stack, 'Location', { bucket, access: LocationAccess.READ_WRITE });
    const statements = managedPolicyStatements(Template.fromStack(stack), 'LocationBucketAccessRolePolicy');
    expect(statements).toHaveLength(3);
    expect(statements[2]).toEqual({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: cfn(stack, key.keyArn) });
  });

  test('works with an imported bucket', () => {
    const stack = testStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'existing-uploads');
    new S3Location(stack, 'Location', { bucket, subdirectory: 'in/' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::DataSync::LocationS3', {
      S3BucketArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::existing-uploads']] },
      Subdirectory: '/in/',
    });
  });
});

describe('S3Location validation', () => {
  test.each(['a//b', '../up', 'a/./b', 'star*', 'pipe|d', 'dollar$'])('fails when the subdirectory is %j', (subdirectory) => {
    const stack = testStack();
    expect(() => new S3Location(stack, 'Location', { bucket: new s3.Bucket(stack, 'Bucket'), subdirectory })).toThrow(
      `S3Location 'Location': 'subdirectory' '${subdirectory}' is not valid; allowed: a path of at most 4094 letters, digits, spaces and _ - + . ( ) separated by single '/', without '.' or '..' segments, such as 'uploads/' or '/runs'`,
    );
  });
});
