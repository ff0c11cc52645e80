import { EgressMode, PipelineNetwork } from '@batch-pipeline/network';
import { TEST_ENV, nagFindings, testStack } from '@batch-pipeline/test-support';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FleetType, QualityControlDesktop } from '../src';

/** Imported buckets and file system: they add no resource (and no finding) of their own. */
function importedStorage(stack: Stack) {
  const fileSystem = efs.FileSystem.fromFileSystemAttributes(stack, 'FileSystem', {
    fileSystemId: 'fs-12345678',
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'FileSystemSecurityGroup', 'sg-12345678'),
  });
  return {
    reportsBucket: s3.Bucket.fromBucketAttributes(stack, 'Reports', {
      bucketName: 'reports',
      encryptionKey: kms.Key.fromKeyArn(stack, 'ReportsKey', 'arn:aws:kms:eu-west-2:123456789012:key/11111111-2222-3333-4444-555555555555'),
    }),
    uploadBucket: s3.Bucket.fromBucketName(stack, 'Uploads', 'uploads'),
    fileSystemAccessPoint: efs.AccessPoint.fromAccessPointAttributes(stack, 'AccessPoint', { accessPointId: 'fsap-1234567890abcdef0', fileSystem }),
  };
}

describe('QualityControlDesktop passes cdk-nag (AwsSolutions, NIST 800-53 R5)', () => {
  test.each([EgressMode.NAT_GATEWAY, EgressMode.VPC_ENDPOINTS, EgressMode.PUBLIC_SUBNETS])('in a pipeline network with egress %s, with every bucket and the file system', (egress) => {
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network', { egress });
    new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', network, ...importedStorage(stack) });
    expect(nagFindings(stack)).toEqual([]);
  });

  test('an ALWAYS_ON fleet in a plain VPC, with the reports bucket only', () => {
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    new QualityControlDesktop(stack, 'Desktop', {
      imageName: 'qc-image', vpc: network.vpc, fleetType: FleetType.ALWAYS_ON, reportsBucket: importedStorage(stack).reportsBucket,
    });
    expect(nagFindings(stack)).toEqual([]);
  });

  test('with buckets created in another stack of the app (acknowledged again at synthesis)', () => {
    const app = new App();
    const storage = new Stack(app, 'Storage', { env: TEST_ENV });
    const reportsBucket = new s3.Bucket(storage, 'Reports');
    const uploadBucket = new s3.Bucket(storage, 'Uploads');
    const stack = new Stack(app, 'Desktop', { env: TEST_ENV });
    const network = new PipelineNetwork(stack, 'Network');
    new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', network, reportsBucket, uploadBucket });
    app.synth();
    expect(nagFindings(stack)).toEqual([]);
  });

  test('with buckets created in the same stack', () => {
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    const desktop = new QualityControlDesktop(stack, 'Desktop', {
      imageName: 'qc-image', network, reportsBucket: new s3.Bucket(stack, 'Reports', { encryption: s3.BucketEncryption.KMS }),
    });
    // The bucket itself is the storage package's concern; check the desktop only.
    expect(nagFindings(desktop)).toEqual([]);
  });
});
