import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { pipelineStack } from './fixture';

describe('BatchPipeline errors as a user reads them', () => {
  test('given an invalid part prop, when the error is uncaught, then the stack Node prints starts with the message naming BatchPipeline and the prop', () => {
    // Given a prop of a part that the part refuses
    let thrown: Error | undefined;
    try {
      pipelineStack({ processorProps: { vcpu: 3 } });
    } catch (error) {
      thrown = error as Error;
    }
    // Then the message and the first line of the stack (what an uncaught error prints) both name the umbrella's prop
    const message = "BatchPipeline 'Pipeline': 'processorProps.vcpu' 3 is not valid on Fargate; allowed: 0.25, 0.5, 1, 2, 4, 8, 16";
    expect(thrown?.message).toBe(message);
    expect(thrown?.stack?.split('\n')[0]).toBe(`Error: ${message}`);
    // And the stack still says where the part refused it
    expect(thrown?.stack).toMatch(/batch-processor/);
  });
});

describe('the mistakes a user makes fail as the README shows, in the first line of the stack cdk synth prints', () => {
  /** The first line Node prints for the uncaught error of `build`. */
  function firstStackLine(build: () => unknown): string | undefined {
    try {
      build();
    } catch (error) {
      return (error as Error).stack?.split('\n')[0];
    }
    return undefined;
  }

  test.each([
    [
      'memory the vCPU cannot have',
      () => pipelineStack({ processorProps: { vcpu: 0.5, memoryMiB: 1000 } }),
      "BatchPipeline 'Pipeline': 'processorProps.memoryMiB' 1000 is not valid with 'vcpu' 0.5; allowed: 1024-4096 in steps of 1024",
    ],
    [
      "a prefix without '/'",
      () => pipelineStack({ watchPrefix: '/in' }),
      "BatchPipeline 'Pipeline': 'watchPrefix' /in is not valid; allowed: '' or one or more folder names of letters, digits and ! - _ . * ' ( ) (not . or ..), each followed by '/', without a leading '/', such as reports/",
    ],
    [
      'both an existing bucket and bucket props',
      () => pipelineStack({ storageProps: { uploads: { intelligentTiering: true } } }, (stack) => ({ existingUploadBucket: s3.Bucket.fromBucketName(stack, 'Existing', 'my-uploads') })),
      "BatchPipeline 'Pipeline': 'storageProps.uploads' is not valid together with 'existingUploadBucket'; allowed: either 'existingUploadBucket' or 'storageProps.uploads', not both (an existing bucket is used as it is)",
    ],
    [
      'a run timeout shorter than the steps',
      () => pipelineStack({ orchestrationProps: { runTimeout: Duration.minutes(30) } }),
      "BatchPipeline 'Pipeline': 'orchestrationProps.runTimeout' 30 minutes is shorter than the step timeouts together",
    ],
  ])('given %s, when it is synthesized, then the first line names BatchPipeline and the prop as written', (_mistake, build, message) => {
    expect(firstStackLine(build)).toContain(`Error: ${message}`);
  });
});
