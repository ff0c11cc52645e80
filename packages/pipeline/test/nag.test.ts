import { EgressMode } from '@batch-pipeline/network';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { nagFindings } from '@batch-pipeline/test-support';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { pipelineStack } from './fixture';

describe('cdk-nag (AwsSolutions and NIST 800-53 R5) finds nothing unacknowledged', () => {
  test('in the default pipeline', () => {
    const { stack } = pipelineStack();
    expect(nagFindings(stack)).toEqual([]);
  });

  test('with the quality-control desktop mounting the file system', () => {
    const { stack } = pipelineStack({ desktop: { imageName: 'qc-image', mountFileSystem: true } });
    expect(nagFindings(stack)).toEqual([]);
  });

  test.each([EgressMode.NAT_GATEWAY, EgressMode.VPC_ENDPOINTS, EgressMode.PUBLIC_SUBNETS])('with egress %s', (egress) => {
    const { stack } = pipelineStack({ networkProps: { egress } });
    expect(nagFindings(stack)).toEqual([]);
  });

  test.each([StagingStrategy.DIRECT, StagingStrategy.DATASYNC])('with staging %s', (staging) => {
    const { stack } = pipelineStack({ orchestrationProps: { staging } });
    expect(nagFindings(stack)).toEqual([]);
  });

  test('in an existing VPC', () => {
    const { stack } = pipelineStack({ networkProps: { egress: EgressMode.NAT_GATEWAY } }, (s) => ({
      existingVpc: ec2.Vpc.fromVpcAttributes(s, 'Vpc', {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['eu-west-2a', 'eu-west-2b'],
        publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
        privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
      }),
    }));
    expect(nagFindings(stack)).toEqual([]);
  });
});
