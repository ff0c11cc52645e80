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
