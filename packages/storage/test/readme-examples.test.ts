import * as path from 'path';
import { PipelineNetwork } from '@batch-pipeline/network';
import { describeReadmeExamples } from '@batch-pipeline/test-support/lib/readme-example-suite';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as self from '../src';

const packageDir = path.join(__dirname, '..');

describeReadmeExamples({
  packageDir,
  // The example's imports load through jest's registry, so it shares the test's aws-cdk-lib.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require: (id) => (id === '@batch-pipeline/storage' ? self : require(id)),
  given: {
    network: (scope) => new PipelineNetwork(scope, 'GivenNetwork'),
    jobRole: (scope) => new iam.Role(scope, 'GivenJobRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }),
    stageInRole: (scope) => new iam.Role(scope, 'GivenStageInRole', { assumedBy: new iam.ServicePrincipal('datasync.amazonaws.com') }),
    stageOutRole: (scope) => new iam.Role(scope, 'GivenStageOutRole', { assumedBy: new iam.ServicePrincipal('datasync.amazonaws.com') }),
  },
});
