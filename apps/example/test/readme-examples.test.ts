import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import {
  missingResources, readmeExamples, runExample, typeCheckExample,
} from '@batch-pipeline/test-support/lib/readme-examples';
import * as stackModule from '../src/example-pipeline-stack';

// jsii-rosetta does not run on the app (it is no jsii package), so this test type-checks its
// README examples the same way (inside rosetta/default.ts-fixture, as if in the app's src
// directory) and synthesizes the ones that build a stack.
const appDir = path.join(__dirname, '..');
const examples = readmeExamples(appDir);

describe('README examples', () => {
  test.each(examples.map((example) => [`README.md:${example.line} (${example.heading})`, example] as const))('%s compiles', (_name, example) => {
    expect(typeCheckExample(example, appDir, 'src/readme-example.ts')).toEqual([]);
  });

  test.each(examples.filter((example) => example.synthesizes)
    .map((example) => [`README.md:${example.line} (${example.heading})`, example] as const))('%s synthesizes', (_name, example) => {
    // GIVEN an app
    const app = new App();
    // WHEN the example runs in it
    runExample(example, {
      packageDir: appDir,
      stack: new Stack(app, 'Scope'),
      // The example's imports load through jest's registry, so it shares the test's aws-cdk-lib.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require: (id) => (id === './example-pipeline-stack' ? stackModule : require(id)),
      given: { app: () => app },
    });
    // THEN the stack it creates synthesizes with the resources it promises
    const created = app.node.children.filter((child): child is Stack => child instanceof stackModule.ExamplePipelineStack);
    expect(created).toHaveLength(1);
    expect(missingResources(example, created[0])).toEqual([]);
  });
});
