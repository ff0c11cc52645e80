import { PipelineNetwork } from '@batch-pipeline/network';
import { nagFindings, testStack } from '@batch-pipeline/test-support';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AccessLogsBucket, PipelineFileSystem, PipelineStorage, ReportsBucket, UploadBucket } from '../src';

describe('storage constructs pass cdk-nag (AwsSolutions, NIST 800-53 R5)', () => {
  test('PipelineStorage with its defaults in a PipelineNetwork', () => {
    // Given a network, when the storage is created with its defaults
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    new PipelineStorage(stack, 'Storage', { network });
    // Then nothing is left unacknowledged
    expect(nagFindings(stack)).toEqual([]);
  });

  test('each construct alone, with its defaults and a VPC of its own', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new UploadBucket(stack, 'Uploads');
    new ReportsBucket(stack, 'Reports');
    new AccessLogsBucket(stack, 'AccessLogs');
    new PipelineFileSystem(stack, 'Files', { vpc });
    // The VPC itself is not part of this package.
    expect(nagFindings(stack).filter((finding) => !finding.includes('/Vpc/'))).toEqual([]);
  });

  test('the main options: KMS keys, archive tiers, lifecycle, provisioned throughput, grants', () => {
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const role = new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const storage = new PipelineStorage(stack, 'Storage', {
      network,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.DESTROY,
      uploads: { watchPrefix: 'incoming/', archiveAccessTierAfter: Duration.days(90), deepArchiveAccessTierAfter: Duration.days(180) },
      reports: { transitionToInfrequentAccessAfter: Duration.days(30), transitionToGlacierAfter: Duration.days(90), expiration: Duration.days(365) },
      fileSystem: { throughputMode: efs.ThroughputMode.PROVISIONED, provisionedThroughputMiBps: 1, automaticBackups: true },
    });
    storage.fileSystem.grantReadWrite(role);
    storage.uploads.grantReadUploads(role);
    storage.reports.grantWriteReports(role);
    // The grantee is the user's role: wildcards on the watched prefix and on all reports are what the grants mean.
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::<StorageUploadsBucketEA2039D6.Arn>/incoming/*]', reason: 'Test role: grantReadUploads covers every object under the watched prefix, by design.' });
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::<StorageReportsBucketBEEF239B.Arn>/*]', reason: 'Test role: grantWriteReports covers every report, by design.' });
    Validations.of(role).acknowledge({ id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: 'Test role: CDK grants write the default inline policy.' });
    expect(nagFindings(stack)).toEqual([]);
  });
});
