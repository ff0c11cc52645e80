import * as path from 'path';
import { testStack } from '@batch-pipeline/test-support';
import { missingResources, readmeExamples, runExample } from '@batch-pipeline/test-support/lib/readme-examples';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as self from '../src';

// jsii-rosetta compiles every example of the README in the build (`rosetta:extract`);
// this runs the ones that build something and synthesizes their stack.
const packageDir = path.join(__dirname, '..');
const examples = readmeExamples(packageDir).filter((example) => example.synthesizes);

describe('README examples synthesize', () => {
  test.each(examples.map((example) => [`README.md:${example.line} (${example.heading})`, example] as const))('%s', (_name, example) => {
    // GIVEN a stack, and concrete values for the inputs the example declares
    const stack = testStack();
    // WHEN the example runs in it
    runExample(example, {
      packageDir,
      stack,
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
    // THEN the stack synthesizes with the resources the example promises
    expect(missingResources(example, stack)).toEqual([]);
  });

  test('every README example that builds a construct names the resources it promises', () => {
    const unnamed = examples.filter((example) => /\bnew\s/.test(example.source) && example.resources.length === 0);
    expect(unnamed.map((example) => `README.md:${example.line}`)).toEqual([]);
  });
});
