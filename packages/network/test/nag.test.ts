import { nagFindings, testStack } from '@batch-pipeline/test-support';
import { EgressMode, PipelineNetwork } from '../src';

describe('PipelineNetwork passes cdk-nag (AwsSolutions, NIST 800-53 R5)', () => {
  test.each([EgressMode.NAT_GATEWAY, EgressMode.VPC_ENDPOINTS, EgressMode.PUBLIC_SUBNETS])('with egress %s', (egress) => {
    const stack = testStack();
    new PipelineNetwork(stack, 'Network', { egress });
    expect(nagFindings(stack)).toEqual([]);
  });
});
