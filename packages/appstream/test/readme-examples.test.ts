import * as path from 'path';
import { PipelineNetwork } from '@batch-pipeline/network';
import { describeReadmeExamples } from '@batch-pipeline/test-support/lib/readme-example-suite';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as self from '../src';

const packageDir = path.join(__dirname, '..');

describeReadmeExamples({
  packageDir,
  // The example's imports load through jest's registry, so it shares the test's aws-cdk-lib.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require: (id) => (id === '@batch-pipeline/appstream' ? self : require(id)),
  given: {
    network: (scope) => new PipelineNetwork(scope, 'GivenNetwork'),
    vpc: (scope) => new ec2.Vpc(scope, 'GivenVpc', { maxAzs: 2 }),
    imageName: () => 'qc-desktop-2026-11',
    reportsBucket: (scope) => new s3.Bucket(scope, 'GivenReports', { enforceSSL: true }),
    uploadBucket: (scope) => new s3.Bucket(scope, 'GivenUploads', { enforceSSL: true }),
    fileSystemAccessPoint: (scope, given) => {
      const network = given('network') as PipelineNetwork;
      const fileSystem = new efs.FileSystem(scope, 'GivenFileSystem', {
        vpc: network.vpc, vpcSubnets: network.privateSubnets, securityGroup: network.fileSystemSecurityGroup,
      });
      return fileSystem.addAccessPoint('AccessPoint', { path: '/pipeline' });
    },
  },
});
