import { PipelineNetwork } from '@batch-pipeline/network';
import { TEST_ENV, testStack } from '@batch-pipeline/test-support';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** What the transfers need, built with aws-cdk-lib and the network package as a user would. */
export interface Fixtures {
  readonly stack: Stack;
  readonly network: PipelineNetwork;
  readonly uploads: s3.Bucket;
  readonly reports: s3.Bucket;
  readonly fileSystem: efs.FileSystem;
  readonly accessPoint: efs.AccessPoint;
}

export function fixtures(stack: Stack = testStack(), options: { encryptedReports?: boolean } = {}): Fixtures {
  const network = new PipelineNetwork(stack, 'Network');
  const uploads = new s3.Bucket(stack, 'Uploads', { enforceSSL: true });
  const reports = new s3.Bucket(stack, 'Reports', {
    enforceSSL: true,
    encryptionKey: options.encryptedReports ? new kms.Key(stack, 'ReportsKey', { enableKeyRotation: true }) : undefined,
  });
  const fileSystem = new efs.FileSystem(stack, 'FileSystem', {
    vpc: network.vpc,
    vpcSubnets: network.privateSubnets,
    securityGroup: network.fileSystemSecurityGroup,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const accessPoint = fileSystem.addAccessPoint('AccessPoint', {
    path: '/pipeline',
    posixUser: { uid: '1000', gid: '1000' },
    createAcl: { ownerUid: '1000', ownerGid: '1000', permissions: '750' },
  });
  return { stack, network, uploads, reports, fileSystem, accessPoint };
}

/** Fixtures in their own stack, and a second stack of the same app for the constructs under test. */
export function fixturesAndTestStack(): { fixtures: Fixtures; stack: Stack } {
  const fixtureStack = testStack('Fixtures');
  const stack = new Stack(fixtureStack.node.root as App, 'Test', { env: TEST_ENV });
  return { fixtures: fixtures(fixtureStack), stack };
}

/**
 * The templates of the fixtures stack and the stack under test, synthesized
 * together as one app (this is where a dependency cycle between them throws).
 */
export function synthesizeBoth(fixtureStack: Stack, stack: Stack): { fixtures: Template; test: Template } {
  return { fixtures: Template.fromStack(fixtureStack), test: Template.fromStack(stack) };
}
