import * as path from 'path';
import { EgressMode } from '@batch-pipeline/network';
import { nagFindings } from '@batch-pipeline/test-support';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { BatchProcessor, JobArchitecture, JobImage } from '../src';
import { fixture, synth } from './helpers';

const JOB_DIR = path.join(__dirname, 'fixtures', 'job');

describe('BatchProcessor passes cdk-nag (AwsSolutions, NIST 800-53 R5)', () => {
  test.each([EgressMode.NAT_GATEWAY, EgressMode.PUBLIC_SUBNETS])('with a public registry image and egress %s', (egress) => {
    const { stack } = synth({}, egress);
    expect(nagFindings(stack)).toEqual([]);
  });

  test.each([EgressMode.NAT_GATEWAY, EgressMode.VPC_ENDPOINTS])('with an image asset on ARM64 and egress %s', (egress) => {
    const { stack } = synth({ image: JobImage.fromAsset(JOB_DIR), architecture: JobArchitecture.ARM64 }, egress);
    expect(nagFindings(stack)).toEqual([]);
  });

  test('with an ECR repository image on Fargate Spot, a secret and an encrypted log group', () => {
    const f = fixture(EgressMode.VPC_ENDPOINTS);
    const repository = new ecr.Repository(f.stack, 'Repo', { imageScanOnPush: true });
    const key = new kms.Key(f.stack, 'Key', { enableKeyRotation: true });
    const parameter = new ssm.StringParameter(f.stack, 'Setting', { stringValue: 'x' });
    new BatchProcessor(f.stack, 'Job', {
      network: f.network,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      image: JobImage.fromEcrRepository(repository, 'v1'),
      spot: true,
      secrets: { SETTING: batch.Secret.fromSsmParameter(parameter) },
      logEncryptionKey: key,
    });
    expect(nagFindings(f.stack)).toEqual([]);
  });

  test('in an existing VPC with a security group of its own', () => {
    const f = fixture(EgressMode.VPC_ENDPOINTS);
    new BatchProcessor(f.stack, 'Job', {
      vpc: f.network.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      image: JobImage.fromAsset(JOB_DIR),
    });
    expect(nagFindings(f.stack)).toEqual([]);
  });
});
