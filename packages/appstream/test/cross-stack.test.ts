import { TEST_ENV } from '@batch-pipeline/test-support';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { QualityControlDesktop } from '../src';

describe('QualityControlDesktop in its own stack, over a file system of a shared stack', () => {
  test('with a plain VPC, both stacks synthesize and the NFS rules live in the desktop\'s stack', () => {
    // Given a shared stack with the VPC, the file system and the reports bucket
    const app = new App();
    const shared = new Stack(app, 'Shared', { env: TEST_ENV });
    const vpc = new ec2.Vpc(shared, 'Vpc', { maxAzs: 2 });
    const fileSystem = new efs.FileSystem(shared, 'FileSystem', { vpc });
    const accessPoint = fileSystem.addAccessPoint('AccessPoint', { path: '/pipeline' });
    const reportsBucket = new s3.Bucket(shared, 'Reports');
    // And the desktop in its own stack, mounting that file system
    const desktops = new Stack(app, 'Desktops', { env: TEST_ENV });
    new QualityControlDesktop(desktops, 'Desktop', { imageName: 'qc-image', vpc, reportsBucket, fileSystemAccessPoint: accessPoint });
    // When the app is synthesized
    Template.fromStack(shared);
    const template = Template.fromStack(desktops);
    // Then the desktop's stack depends on the shared one only, and holds both NFS rules
    expect(desktops.dependencies).toEqual([shared]);
    expect(shared.dependencies).toEqual([]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049 });
  });
});
