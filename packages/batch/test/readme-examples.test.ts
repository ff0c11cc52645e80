import * as path from 'path';
import { PipelineNetwork } from '@batch-pipeline/network';
import { describeReadmeExamples } from '@batch-pipeline/test-support/lib/readme-example-suite';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as self from '../src';

const packageDir = path.join(__dirname, '..');

describeReadmeExamples({
  packageDir,
  // The example's imports load through jest's registry, so it shares the test's aws-cdk-lib.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require: (id) => (id === '@batch-pipeline/batch' ? self : require(id)),
  // `path.join(__dirname, 'job')` is the sample job of the tests.
  dirname: path.join(__dirname, 'fixtures'),
  given: {
    network: (scope) => new PipelineNetwork(scope, 'GivenNetwork'),
    vpc: (scope) => new ec2.Vpc(scope, 'GivenVpc', { maxAzs: 2 }),
    fileSystem: (scope, given) => {
      const network = given('network') as PipelineNetwork;
      return new efs.FileSystem(scope, 'GivenFileSystem', {
        vpc: network.vpc,
        vpcSubnets: network.privateSubnets,
        securityGroup: network.fileSystemSecurityGroup,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    },
    accessPoint: (_scope, given) => (given('fileSystem') as efs.FileSystem).addAccessPoint('AccessPoint', {
      path: '/pipeline',
      posixUser: { uid: '1000', gid: '1000' },
      createAcl: { ownerUid: '1000', ownerGid: '1000', permissions: '750' },
    }),
    stateMachineRole: (scope) => new iam.Role(scope, 'GivenStateMachineRole', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') }),
  },
});
