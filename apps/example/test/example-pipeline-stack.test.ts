import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TEST_ENV, nagFindings } from '@batch-pipeline/test-support';
import { summarizeAssembly } from '../src/assembly-summary';
import { ExamplePipelineStack } from '../src/example-pipeline-stack';

describe('ExamplePipelineStack', () => {
  const app = new App();
  const stack = new ExamplePipelineStack(app, 'Example', { env: TEST_ENV });
  const template = Template.fromStack(stack);

  test('builds the network in the original /25 with the cheapest egress mode', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/25' });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  test('passes cdk-nag with nothing unacknowledged', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  test('the summary names the template and counts resources by type', () => {
    const summary = summarizeAssembly(app.synth(), '/');
    expect(summary).toMatch(/^Cloud assembly written to /);
    expect(summary).toMatch(/- Example: .*Example\.template\.json, \d+ resources/);
    expect(summary).toMatch(/\s+1 AWS::EC2::VPC/);
  });
});
