import * as path from 'path';
import { PipelineNetwork } from '@batch-pipeline/network';
import { describeReadmeExamples } from '@batch-pipeline/test-support/lib/readme-example-suite';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as self from '../src';

const packageDir = path.join(__dirname, '..');

describeReadmeExamples({
  packageDir,
  // The example's imports load through jest's registry, so it shares the test's aws-cdk-lib.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require: (id) => (id === '@batch-pipeline/datasync' ? self : require(id)),
  given: {
    network: (scope) => new PipelineNetwork(scope, 'GivenNetwork'),
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
    uploads: (scope) => new s3.Bucket(scope, 'GivenUploads', { enforceSSL: true }),
    reports: (scope) => new s3.Bucket(scope, 'GivenReports', { enforceSSL: true }),
    auditBucket: (scope) => new s3.Bucket(scope, 'GivenAudit', { enforceSSL: true }),
    stageIn: (scope, given) => new self.StageInTransfer(scope, 'GivenStageIn', {
      network: given('network') as PipelineNetwork,
      sourceBucket: given('uploads') as s3.IBucket,
      sourcePrefix: 'uploads/',
      fileSystem: given('fileSystem') as efs.IFileSystem,
      accessPoint: given('accessPoint') as efs.IAccessPoint,
      destinationDirectory: '/inputs',
    }),
    stageOut: (scope, given) => new self.StageOutTransfer(scope, 'GivenStageOut', {
      network: given('network') as PipelineNetwork,
      fileSystem: given('fileSystem') as efs.IFileSystem,
      accessPoint: given('accessPoint') as efs.IAccessPoint,
      destinationBucket: given('reports') as s3.IBucket,
      destinationPrefix: 'reports/',
    }),
    stateMachineRole: (scope) => new iam.Role(scope, 'GivenStateMachineRole', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') }),
  },
});
