import * as path from 'path';
import { describeReadmeExamples } from '@batch-pipeline/test-support/lib/readme-example-suite';
import { Stack } from 'aws-cdk-lib';
import * as self from '../src';
import { PipelineParts, pipelineParts } from './pipeline-fixture';

// The inputs the examples declare are the pipeline the sibling packages compose, built once per stack.
const partsByStack = new WeakMap<Stack, PipelineParts>();
function partsOf(stack: Stack): PipelineParts {
  const parts = partsByStack.get(stack) ?? pipelineParts(stack);
  partsByStack.set(stack, parts);
  return parts;
}

describeReadmeExamples({
  packageDir: path.join(__dirname, '..'),
  // The example's imports load through jest's registry, so it shares the test's aws-cdk-lib.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require: (id) => (id === '@batch-pipeline/orchestration' ? self : require(id)),
  given: {
    network: (stack) => partsOf(stack).network,
    storage: (stack) => partsOf(stack).storage,
    stageIn: (stack) => partsOf(stack).stageIn,
    processor: (stack) => partsOf(stack).processor,
    stageOut: (stack) => partsOf(stack).stageOut,
    accessPoint: (stack) => partsOf(stack).storage.fileSystem.accessPoint,
    uploadBucket: (stack) => partsOf(stack).storage.uploads.bucket,
  },
});
