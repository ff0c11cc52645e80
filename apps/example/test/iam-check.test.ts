import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TEST_ENV, checkIamCalls } from '@batch-pipeline/test-support';
import { ExamplePipelineStack } from '../src/example-pipeline-stack';

/** Synthesizing the stack and evaluating every call takes seconds, more on a loaded machine. */
const CHECK_TIMEOUT_MS = 60_000;

describe('every call of the example pipeline is allowed by its policies (IAM check)', () => {
  test('ExamplePipelineStack with its defaults and a notification email', async () => {
    const stack = new ExamplePipelineStack(new App(), 'Example', { env: TEST_ENV, notificationEmail: 'ops@example.com' });
    const { checked, denied } = await checkIamCalls(Template.fromStack(stack).toJSON());
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThan(84);
  }, CHECK_TIMEOUT_MS);
});
