import * as path from 'path';
import { describeReadmeExamples } from '@batch-pipeline/test-support/lib/readme-example-suite';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as self from '../src';

const packageDir = path.join(__dirname, '..');

describeReadmeExamples({
  packageDir,
  // The example's imports load through jest's registry, so it shares the test's aws-cdk-lib.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require: (id) => (id === '@batch-pipeline/network' ? self : require(id)),
  given: {
    network: (scope) => new self.PipelineNetwork(scope, 'GivenNetwork'),
    desktopSecurityGroup: (scope, given) => new ec2.SecurityGroup(scope, 'GivenDesktop', {
      vpc: (given('network') as self.PipelineNetwork).vpc,
    }),
  },
});
