import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EgressMode } from '@batch-pipeline/network';
import { TEST_ENV, nagFindings } from '@batch-pipeline/test-support';
import { readExampleContext } from '../src/context';
import { ExamplePipelineStack } from '../src/example-pipeline-stack';

/** Synthesizing and checking the whole stack under two rule packs takes seconds, more on a loaded machine. */
const NAG_TIMEOUT_MS = 60_000;

describe('the example as a private pipeline with its interface endpoints in one AZ', () => {
  test('given -c egress=VPC_ENDPOINTS -c endpointAzs=1, then the context chooses 1 endpoint AZ', () => {
    expect(readExampleContext(new App({ context: { egress: 'VPC_ENDPOINTS', endpointAzs: '1' } }).node))
      .toEqual(expect.objectContaining({ egress: EgressMode.VPC_ENDPOINTS, interfaceEndpointAzs: 1 }));
  });

  test('given endpointAzs=one, then the context is refused naming the key, the value and what is allowed', () => {
    expect(() => readExampleContext(new App({ context: { endpointAzs: 'one' } }).node))
      .toThrow("Context 'endpointAzs' one is not valid; allowed: a number of AZs (1 or 2 for the example's VPC), only with egress VPC_ENDPOINTS; leave the key out for every AZ");
  });

  test('given the stack, then each interface endpoint has one network interface, jobs run in both AZs, and cdk-nag finds nothing', () => {
    const stack = new ExamplePipelineStack(new App(), 'Example', { env: TEST_ENV, egress: EgressMode.VPC_ENDPOINTS, interfaceEndpointAzs: 1 });
    const template = Template.fromStack(stack);
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }));
    expect(endpoints.map((endpoint) => endpoint.Properties.SubnetIds.length)).toEqual([1, 1, 1]);
    const computeEnvironment = Object.values(template.findResources('AWS::Batch::ComputeEnvironment'))[0];
    expect(computeEnvironment.Properties.ComputeResources.Subnets).toHaveLength(2);
    expect(nagFindings(stack)).toEqual([]);
  }, NAG_TIMEOUT_MS);
});
