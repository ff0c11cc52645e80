import { testStack } from '@batch-pipeline/test-support';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AccessLogsBucket, AccessLogsBucketProps, ReportsBucket, UploadBucket } from '../src';

const BLOCK_ALL = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };

function synth(props: AccessLogsBucketProps = {}): Template {
  const stack = testStack();
  new AccessLogsBucket(stack, 'AccessLogs', props);
  return Template.fromStack(stack);
}

describe('AccessLogsBucket defaults', () => {
  const template = synth();
  const bucket = Object.values(template.findResources('AWS::S3::Bucket'))[0];

  test('is encrypted with SSE-S3, the only default encryption log delivery supports', () => {
    expect(bucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
  });

  test('blocks public access, disables ACLs, is versioned and enforces TLS', () => {
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual(BLOCK_ALL);
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.Properties.AccessControl).toBeUndefined();
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('expires logs after 365 days and noncurrent log versions after 30 days', () => {
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([{
      Id: 'ExpireLogs',
      Status: 'Enabled',
      ExpirationInDays: 365,
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    }]);
  });

  test('does not log to itself and is retained', () => {
    expect(bucket.Properties.LoggingConfiguration).toBeUndefined();
    expect(bucket.DeletionPolicy).toBe('Retain');
  });
});

describe('AccessLogsBucket options', () => {
  test('retention and removal policy are configurable', () => {
    const template = synth({ retention: Duration.days(90), removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::S3::Bucket', {
      Properties: { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90 })] } },
      DeletionPolicy: 'Delete',
    });
  });

  test('one log bucket serves both buckets through its bucket policy, scoped to each source bucket and prefix', () => {
    // Given one log bucket, when both pipeline buckets log to it
    const stack = testStack();
    const logs = new AccessLogsBucket(stack, 'AccessLogs');
    new UploadBucket(stack, 'Uploads', { serverAccessLogsBucket: logs.bucket });
    new ReportsBucket(stack, 'Reports', { serverAccessLogsBucket: logs.bucket });
    // Then the logging service may put objects under each prefix, only from that bucket and account
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 3);
    for (const [source, prefix] of [['^UploadsBucket', '/uploads/*'], ['^ReportsBucket', '/reports/*']]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: Match.stringLikeRegexp('^AccessLogsBucket') },
        PolicyDocument: {
          Statement: Match.arrayWith([{
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^AccessLogsBucket'), 'Arn'] }, prefix]] },
            Condition: {
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp(source), 'Arn'] } },
              StringEquals: { 'aws:SourceAccount': '123456789012' },
            },
          }]),
        },
      });
    }
  });
});

describe('AccessLogsBucket validation', () => {
  test('fails when retention is not a whole number of days of at least 1', () => {
    expect(() => synth({ retention: Duration.hours(1) })).toThrow(
      "AccessLogsBucket 'AccessLogs': 'retention' 1 hour is not valid; allowed: a whole number of days of at least 1",
    );
  });
});
