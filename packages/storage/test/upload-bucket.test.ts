import { testStack } from '@batch-pipeline/test-support';
import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { UploadBucket, UploadBucketProps } from '../src';

const BLOCK_ALL = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };

const ALLOWED_PREFIX = "one or more folder names of letters, digits and ! - _ . * ' ( ) (not . or ..), each followed by '/', without a leading '/', at most 1024 characters, such as incoming/ or data/raw/";

function synth(props: UploadBucketProps = {}): { stack: Stack; uploads: UploadBucket; template: Template } {
  const stack = testStack();
  const uploads = new UploadBucket(stack, 'Uploads', props);
  return { stack, uploads, template: Template.fromStack(stack) };
}

function uploadBucket(template: Template): any {
  const buckets = template.findResources('AWS::S3::Bucket', { Properties: { LoggingConfiguration: Match.anyValue() } });
  expect(Object.keys(buckets)).toHaveLength(1);
  return Object.values(buckets)[0];
}

function role(stack: Stack): iam.Role {
  return new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('datasync.amazonaws.com') });
}

describe('UploadBucket defaults', () => {
  const { uploads, template } = synth();
  const bucket = uploadBucket(template);

  test('encrypts with SSE-S3, blocks all public access and disables ACLs', () => {
    expect(bucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual(BLOCK_ALL);
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });

  test('enforces TLS 1.2 or newer in the bucket policy', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^UploadsBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  test('is versioned and expires noncurrent versions after 30 days', () => {
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual({
      Id: 'ExpireNoncurrentVersions',
      Status: 'Enabled',
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      ExpiredObjectDeleteMarker: true,
    });
  });

  test('moves every object into S3 Intelligent-Tiering on upload (a transition at day 0)', () => {
    expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual({
      Id: 'IntelligentTiering',
      Status: 'Enabled',
      Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 }],
    });
  });

  test('opts in to no archive tier', () => {
    expect(bucket.Properties.IntelligentTieringConfigurations).toBeUndefined();
  });

  test('logs server access to a new access-log bucket under uploads/', () => {
    expect(bucket.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: expect.stringMatching(/^UploadsAccessLogsBucket/) },
      LogFilePrefix: 'uploads/',
    });
    template.resourceCountIs('AWS::S3::Bucket', 2);
    expect(uploads.accessLogsBucket).toBeDefined();
  });

  test('is retained when the stack is deleted, and so is its log bucket', () => {
    expect(bucket.DeletionPolicy).toBe('Retain');
    for (const resource of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    }
  });

  test('watches the whole bucket', () => {
    expect(uploads.watchPrefix).toBe('');
    expect(Stack.of(uploads).resolve(uploads.watchedObjectsArn)).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^UploadsBucket/), 'Arn'] }, '/*']],
    });
  });

  test('has a generated name and no EventBridge notifications', () => {
    expect(bucket.Properties.BucketName).toBeUndefined();
    expect(bucket.Properties.NotificationConfiguration).toBeUndefined();
  });
});

describe('UploadBucket options', () => {
  test('a watch prefix narrows the watched objects and the grants', () => {
    // Given a watch prefix, when a role is granted read and write of uploads
    const stack = testStack();
    const uploads = new UploadBucket(stack, 'Uploads', { watchPrefix: 'incoming/raw/' });
    const grantee = role(stack);
    uploads.grantReadUploads(grantee);
    uploads.grantWriteUploads(grantee);
    // Then the grants cover only objects under the prefix, with no wildcard actions
    expect(uploads.watchPrefix).toBe('incoming/raw/');
    const objects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^UploadsBucket'), 'Arn'] }, '/incoming/raw/*']] };
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UploadsBucket'), 'Arn'] } },
          { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'], Resource: objects },
          { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], Resource: Match.anyValue() },
          { Effect: 'Allow', Action: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: objects },
        ],
      },
    });
  });

  test('a KMS key encrypts the bucket with SSE-KMS and a bucket key, and the grants include the key', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const uploads = new UploadBucket(stack, 'Uploads', { encryptionKey: key });
    uploads.grantReadUploads(role(stack));
    const template = Template.fromStack(stack);
    expect(uploadBucket(template).Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] } },
        BucketKeyEnabled: true,
      }],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } })]) },
    });
  });

  test('archive tiers are opt-in through an Intelligent-Tiering configuration', () => {
    const { template } = synth({ archiveAccessTierAfter: Duration.days(90), deepArchiveAccessTierAfter: Duration.days(180) });
    expect(uploadBucket(template).Properties.IntelligentTieringConfigurations).toEqual([{
      Id: 'ArchiveTiers',
      Status: 'Enabled',
      Tierings: [{ AccessTier: 'ARCHIVE_ACCESS', Days: 90 }, { AccessTier: 'DEEP_ARCHIVE_ACCESS', Days: 180 }],
    }]);
  });

  test('the deep archive tier can be chosen alone', () => {
    const { template } = synth({ deepArchiveAccessTierAfter: Duration.days(365) });
    expect(uploadBucket(template).Properties.IntelligentTieringConfigurations[0].Tierings).toEqual([{ AccessTier: 'DEEP_ARCHIVE_ACCESS', Days: 365 }]);
  });

  test('Intelligent-Tiering can be turned off', () => {
    const { template } = synth({ intelligentTiering: false });
    const rules = uploadBucket(template).Properties.LifecycleConfiguration.Rules;
    expect(rules.map((rule: any) => rule.Id)).toEqual(['ExpireNoncurrentVersions']);
  });

  test('noncurrent version expiry is configurable', () => {
    const { template } = synth({ noncurrentVersionExpiration: Duration.days(7) });
    expect(uploadBucket(template).Properties.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 7 });
  });

  test('removal policy, name and log prefix are configurable', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY, bucketName: 'my-uploads', serverAccessLogsPrefix: 'logs/uploads/' });
    const bucket = uploadBucket(template);
    expect(bucket.DeletionPolicy).toBe('Delete');
    expect(bucket.Properties.BucketName).toBe('my-uploads');
    expect(bucket.Properties.LoggingConfiguration.LogFilePrefix).toBe('logs/uploads/');
    // The log bucket created with it follows its removal policy.
    for (const resource of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(resource.DeletionPolicy).toBe('Delete');
    }
  });

  test('an existing log bucket is used instead of a new one', () => {
    const stack = testStack();
    const logs = s3.Bucket.fromBucketName(stack, 'Logs', 'central-access-logs');
    const uploads = new UploadBucket(stack, 'Uploads', { serverAccessLogsBucket: logs });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(uploadBucket(template).Properties.LoggingConfiguration.DestinationBucketName).toBe('central-access-logs');
    expect(uploads.accessLogsBucket).toBe(logs);
  });

  test('an unresolved duration is not checked', () => {
    expect(() => synth({ noncurrentVersionExpiration: Duration.days(Lazy.number({ produce: () => 0 })) })).not.toThrow();
  });

  test('an unresolved watch prefix is not checked', () => {
    const token = Lazy.string({ produce: () => '/not-checked' });
    expect(() => synth({ watchPrefix: token })).not.toThrow();
  });
});

describe('UploadBucket.fromBucket', () => {
  test('uses an existing bucket with a watch prefix, creating nothing', () => {
    // Given an existing bucket
    const stack = testStack();
    const existing = s3.Bucket.fromBucketName(stack, 'Existing', 'team-uploads');
    // When it is adopted as the upload bucket and a role is granted read
    const uploads = UploadBucket.fromBucket(stack, 'Uploads', existing, 'in/');
    uploads.grantReadUploads(role(stack));
    uploads.grantWriteUploads(role(new Stack()));
    // Then nothing is created but the grant, scoped to the prefix
    expect(uploads.bucket).toBe(existing);
    expect(uploads.watchPrefix).toBe('in/');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['s3:GetObject']), Resource: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':s3:::team-uploads/in/*'])] }) })]) },
    });
  });

  test('watches the whole existing bucket without a prefix', () => {
    const stack = testStack();
    const uploads = UploadBucket.fromBucket(stack, 'Uploads', s3.Bucket.fromBucketName(stack, 'Existing', 'team-uploads'));
    expect(uploads.watchPrefix).toBe('');
  });

  test('fails when the prefix is not valid', () => {
    const stack = testStack();
    const existing = s3.Bucket.fromBucketName(stack, 'Existing', 'team-uploads');
    expect(() => UploadBucket.fromBucket(stack, 'Uploads', existing, 'in')).toThrow(`UploadBucket 'Uploads': 'watchPrefix' in is not valid; allowed: ${ALLOWED_PREFIX}`);
  });
});

describe('UploadBucket validation', () => {
  test.each([
    '/in',
    '/in/',
    'in',
    '',
    'in//',
    './',
    'a/../',
    'in put/',
    'in#/',
  ])("fails when 'watchPrefix' is %p", (watchPrefix) => {
    expect(() => synth({ watchPrefix })).toThrow(`UploadBucket 'Uploads': 'watchPrefix' ${watchPrefix} is not valid; allowed: ${ALLOWED_PREFIX}`);
  });

  test("fails when 'watchPrefix' is longer than 1024 characters", () => {
    const watchPrefix = `${'a'.repeat(1024)}/`;
    expect(() => synth({ watchPrefix })).toThrow(`UploadBucket 'Uploads': 'watchPrefix' ${watchPrefix} is not valid; allowed: ${ALLOWED_PREFIX}`);
  });

  test.each(['incoming/', 'data/raw/', "a-b_c.d!e*f'g(h)/"])("accepts 'watchPrefix' %p", (watchPrefix) => {
    expect(() => synth({ watchPrefix })).not.toThrow();
  });

  test('fails when noncurrent version expiry is not a whole number of days of at least 1', () => {
    expect(() => synth({ noncurrentVersionExpiration: Duration.hours(36) })).toThrow(
      "UploadBucket 'Uploads': 'noncurrentVersionExpiration' 1 day 12 hours is not valid; allowed: a whole number of days of at least 1",
    );
    expect(() => synth({ noncurrentVersionExpiration: Duration.days(0) })).toThrow(
      "UploadBucket 'Uploads': 'noncurrentVersionExpiration' 0 days is not valid; allowed: a whole number of days of at least 1",
    );
  });

  test('fails when the archive tier starts outside 90 to 730 days', () => {
    expect(() => synth({ archiveAccessTierAfter: Duration.days(30) })).toThrow(
      "UploadBucket 'Uploads': 'archiveAccessTierAfter' 30 days is not valid; allowed: a whole number of days from 90 to 730",
    );
  });

  test('fails when the deep archive tier starts outside 180 to 730 days', () => {
    expect(() => synth({ deepArchiveAccessTierAfter: Duration.days(800) })).toThrow(
      "UploadBucket 'Uploads': 'deepArchiveAccessTierAfter' 800 days is not valid; allowed: a whole number of days from 180 to 730",
    );
  });

  test('fails when the deep archive tier does not start after the archive tier', () => {
    expect(() => synth({ archiveAccessTierAfter: Duration.days(200), deepArchiveAccessTierAfter: Duration.days(180) })).toThrow(
      "UploadBucket 'Uploads': 'deepArchiveAccessTierAfter' 180 days is not valid; allowed: a whole number of days from 180 to 730 and more than 'archiveAccessTierAfter' (200 days)",
    );
  });

  test('fails when archive tiers are asked for without Intelligent-Tiering', () => {
    expect(() => synth({ intelligentTiering: false, archiveAccessTierAfter: Duration.days(90) })).toThrow(
      "UploadBucket 'Uploads': 'archiveAccessTierAfter' 90 days is not valid; allowed: only with 'intelligentTiering' true (archive tiers are tiers of S3 Intelligent-Tiering)",
    );
    expect(() => synth({ intelligentTiering: false, deepArchiveAccessTierAfter: Duration.days(180) })).toThrow(
      "UploadBucket 'Uploads': 'deepArchiveAccessTierAfter' 180 days is not valid; allowed: only with 'intelligentTiering' true (archive tiers are tiers of S3 Intelligent-Tiering)",
    );
  });
});
