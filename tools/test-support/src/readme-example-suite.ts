import { missingResources, readmeExamples, RunExampleOptions, runExample } from './readme-examples';
import { testStack } from './test-stack';

/** What a package's README-example suite needs: everything `runExample` takes but the stack, which each example gets fresh. */
export type ReadmeExampleSuiteOptions = Omit<RunExampleOptions, 'stack'>;

/**
 * The README-example suite every package runs: jsii-rosetta compiles every example of
 * the README in the build (`rosetta:extract`); this runs the ones that build something, each
 * in a fresh stack with concrete values for the inputs it declares, and checks that its stack
 * synthesizes with the resources its fence promises.
 */
export function describeReadmeExamples(options: ReadmeExampleSuiteOptions): void {
  const examples = readmeExamples(options.packageDir).filter((example) => example.synthesizes);
  describe('README examples synthesize', () => {
    test.each(examples.map((example) => [`README.md:${example.line} (${example.heading})`, example] as const))('%s', (_name, example) => {
      // GIVEN a stack, and concrete values for the inputs the example declares
      const stack = testStack();
      // WHEN the example runs in it
      runExample(example, { ...options, stack });
      // THEN the stack synthesizes with the resources the example promises
      expect(missingResources(example, stack)).toEqual([]);
    });

    test('every README example that builds a construct names the resources it promises', () => {
      const unnamed = examples.filter((example) => /\bnew\s/.test(example.source) && example.resources.length === 0);
      expect(unnamed.map((example) => `README.md:${example.line}`)).toEqual([]);
    });
  });
}
