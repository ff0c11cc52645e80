import * as path from 'path';
import { PipelineStorage } from '@batch-pipeline/storage';
import { testStack } from '@batch-pipeline/test-support';
import { missingResources, readmeExamples, runExample } from '@batch-pipeline/test-support/lib/readme-examples';
import * as self from '../src';
import { pipelineParts } from './pipeline-fixture';

// jsii-rosetta compiles every example of the README in the build (`rosetta:extract`);
// this runs the ones that build something, with concrete values for the inputs they
// declare (the pipeline the sibling packages compose), and synthesizes their stack.
const packageDir = path.join(__dirname, '..');
const examples = readmeExamples(packageDir).filter((example) => example.synthesizes);

describe('README examples synthesize', () => {
  test.each(examples.map((example) => [`README.md:${example.line} (${example.heading})`, example] as const))('%s', (_name, example) => {
    // GIVEN a stack, and concrete values for the inputs the example declares
    const stack = testStack();
    let parts: ReturnType<typeof pipelineParts> | undefined;
    const part = <K extends keyof ReturnType<typeof pipelineParts>>(key: K) => () => (parts ??= pipelineParts(stack))[key];
    // WHEN the example runs in it
    runExample(example, {
      packageDir,
      stack,
      // The example's imports load through jest's registry, so it shares the test's aws-cdk-lib.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require: (id) => (id === '@batch-pipeline/orchestration' ? self : require(id)),
      given: {
        network: part('network'),
        storage: part('storage'),
        stageIn: part('stageIn'),
        processor: part('processor'),
        stageOut: part('stageOut'),
        accessPoint: () => (part('storage')() as PipelineStorage).fileSystem.accessPoint,
        uploadBucket: () => (part('storage')() as PipelineStorage).uploads.bucket,
      },
    });
    // THEN the stack synthesizes with the resources the example promises
    expect(missingResources(example, stack)).toEqual([]);
  });

  test('every README example that builds a construct names the resources it promises', () => {
    const unnamed = examples.filter((example) => /\bnew\s/.test(example.source) && example.resources.length === 0);
    expect(unnamed.map((example) => `README.md:${example.line}`)).toEqual([]);
  });
});

