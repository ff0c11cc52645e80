import { testStack } from '@batch-pipeline/test-support';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ReportsBucket, ReportsBucketProps } from '../src';

const BLOCK_ALL = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };

function synth(props: ReportsBucketProps = {}): Template {
  const stack = testStack();
  new ReportsBucket(stack, 'Reports', props);
  return Template.fromStack(stack);
}

function reportsBucket(template: Template): any {
  const buckets = template.findResources('AWS::S3::Bucket', { Properties: { LoggingConfiguration: Match.anyValue() } });
  expect(Object.keys(buckets)).toHaveLength(1);
  return Object.values(buckets)[0];
}

function rules(template: Template): any[] {
  return reportsBucket(template).Properties.LifecycleConfiguration.Rules;
}

describe('ReportsBucket defaults', () => {
  const template = synth();
  const bucket = reportsBucket(template);

  test('has the same security as the upload bucket: SSE-S3, no public access, no ACLs, TLS enforced', () => {
    expect(bucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual(BLOCK_ALL);
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^ReportsBucket') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('is versioned, expires noncurrent versions after 30 days and keeps current reports', () => {
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(rules(template)).toEqual([{
      Id: 'ExpireNoncurrentVersions',
      Status: 'Enabled',
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      ExpiredObjectDeleteMarker: true,
    }]);
  });

  test('logs server access to a new access-log bucket under reports/ and is retained', () => {
    expect(bucket.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: expect.stringMatching(/^ReportsAccessLogsBucket/) },
      LogFilePrefix: 'reports/',
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.BucketName).toBeUndefined();
  });
});

describe('ReportsBucket options', () => {
  test('transitions and expiration of reports are configurable', () => {
    const template = synth({
      transitionToInfrequentAccessAfter: Duration.days(30),
      transitionToGlacierAfter: Duration.days(90),
      expiration: Duration.days(365),
      noncurrentVersionExpiration: Duration.days(10),
    });
    expect(rules(template)).toEqual([
      expect.objectContaining({ Id: 'ExpireNoncurrentVersions', NoncurrentVersionExpiration: { NoncurrentDays: 10 } }),
      {
        Id: 'Reports',
        Status: 'Enabled',
        Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }, { StorageClass: 'GLACIER', TransitionInDays: 90 }],
        ExpirationInDays: 365,
      },
    ]);
  });

  test('expiration alone deletes reports without transitions', () => {
    expect(rules(synth({ expiration: Duration.days(14) }))[1]).toEqual({ Id: 'Reports', Status: 'Enabled', ExpirationInDays: 14 });
  });

  test('a KMS key, an existing log bucket, a name, a log prefix and a removal policy are used', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const logs = s3.Bucket.fromBucketName(stack, 'Logs', 'central-access-logs');
    const reports = new ReportsBucket(stack, 'Reports', {
      encryptionKey: key,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'pipeline/reports/',
      bucketName: 'my-reports',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const template = Template.fromStack(stack);
    const bucket = reportsBucket(template);
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] } },
      BucketKeyEnabled: true,
    });
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: 'central-access-logs', LogFilePrefix: 'pipeline/reports/' });
    expect(bucket.Properties.BucketName).toBe('my-reports');
    expect(bucket.DeletionPolicy).toBe('Delete');
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(reports.accessLogsBucket).toBe(logs);
  });

  test('grantWriteReports gives what the stage-out DataSync role needs, without wildcard actions', () => {
    const stack = testStack();
    const reports = new ReportsBucket(stack, 'Reports');
    reports.grantWriteReports(new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('datasync.amazonaws.com') }));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReportsBucket'), 'Arn'] } },
          {
            Effect: 'Allow',
            Action: [
              's3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging',
              's3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:DeleteObject',
            ],
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^ReportsBucket'), 'Arn'] }, '/*']] },
          },
        ],
      },
    });
  });

  test('grantReadReports gives read of reports only', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const reports = new ReportsBucket(stack, 'Reports', { encryptionKey: key });
    reports.grantReadReports(new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }));
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
    expect(statements.map((statement: any) => statement.Action)).toEqual([
      ['s3:GetBucketLocation', 's3:ListBucket'],
      ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'],
      'kms:Decrypt',
    ]);
    expect(Stack.of(reports).resolve(reports.bucket.bucketArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ReportsBucket/), 'Arn'] });
  });
});

describe('ReportsBucket validation', () => {
  test('fails when the Standard-IA transition is earlier than 30 days', () => {
    expect(() => synth({ transitionToInfrequentAccessAfter: Duration.days(7) })).toThrow(
      "ReportsBucket 'Reports': 'transitionToInfrequentAccessAfter' 7 days is not valid; allowed: a whole number of days of at least 30",
    );
  });

  test('fails when the Glacier transition is not a whole number of days', () => {
    expect(() => synth({ transitionToGlacierAfter: Duration.hours(12) })).toThrow(
      "ReportsBucket 'Reports': 'transitionToGlacierAfter' 12 hours is not valid; allowed: a whole number of days of at least 0",
    );
  });

  test('fails when the Glacier transition is not after the Standard-IA transition', () => {
    expect(() => synth({ transitionToInfrequentAccessAfter: Duration.days(60), transitionToGlacierAfter: Duration.days(60) })).toThrow(
      "ReportsBucket 'Reports': 'transitionToGlacierAfter' 60 days is not valid; allowed: a whole number of days more than 'transitionToInfrequentAccessAfter' (60 days)",
    );
  });

  test('fails when expiration is not after the last transition', () => {
    const lifecycle = {
      transitionToInfrequentAccessAfter: Duration.days(30),
      transitionToGlacierAfter: Duration.days(90),
      expiration: Duration.days(60),
    };
    expect(() => synth(lifecycle)).toThrow(
      "ReportsBucket 'Reports': 'expiration' 60 days is not valid; allowed: a whole number of days more than the last transition (90 days)",
    );
  });

  test('fails when expiration is less than a day', () => {
    expect(() => synth({ expiration: Duration.days(0) })).toThrow(
      "ReportsBucket 'Reports': 'expiration' 0 days is not valid; allowed: a whole number of days of at least 1",
    );
  });

  test('fails when noncurrent version expiry is less than a day', () => {
    expect(() => synth({ noncurrentVersionExpiration: Duration.minutes(30) })).toThrow(
      "ReportsBucket 'Reports': 'noncurrentVersionExpiration' 30 minutes is not valid; allowed: a whole number of days of at least 1",
    );
  });
});
