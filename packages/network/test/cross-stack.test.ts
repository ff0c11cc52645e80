import { TEST_ENV, testStack } from '@batch-pipeline/test-support';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EgressMode, PipelineNetwork } from '../src';

/** A shared stack with the network, and a second stack of the same app for a component that mounts the file system. */
function sharedAndConsumerStacks(): { shared: Stack; consumer: Stack; network: PipelineNetwork } {
  const shared = testStack('Shared');
  const consumer = new Stack(shared.node.root as App, 'Consumer', { env: TEST_ENV });
  const network = new PipelineNetwork(shared, 'Network');
  return { shared, consumer, network };
}

describe('PipelineNetwork shared by a component in another stack', () => {
  // Given the network in one stack and a component's security group in another
  const { shared, consumer, network } = sharedAndConsumerStacks();
  const component = new ec2.SecurityGroup(consumer, 'Component', { vpc: network.vpc, allowAllOutbound: false });
  // When the component is allowed to reach the file system
  network.allowFileSystemAccessFrom(component);
  // Then both stacks synthesize (no dependency cycle)
  const sharedTemplate = Template.fromStack(shared);
  const consumerTemplate = Template.fromStack(consumer);

  test('the component stack depends on the network stack, and not the other way round', () => {
    expect(consumer.dependencies).toEqual([shared]);
    expect(shared.dependencies).toEqual([]);
  });

  test('the file system security group lets the component in over NFS, with the rule in the component stack', () => {
    consumerTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('NetworkFileSystemSecurityGroup') },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Component'), 'GroupId'] },
      Description: 'NFS from a pipeline component',
    });
  });

  test('the component security group allows NFS out to the file system security group', () => {
    consumerTemplate.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Component'), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('NetworkFileSystemSecurityGroup') },
      Description: 'NFS to the pipeline file system',
    });
  });

  test('the network stack keeps only the rules between its own groups', () => {
    const ingress = Object.values(sharedTemplate.findResources('AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);
    expect(ingress).toEqual([
      expect.objectContaining({ FromPort: 2049, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^NetworkJobSecurityGroup/), 'GroupId'] } }),
    ]);
    expect(JSON.stringify(sharedTemplate.toJSON())).not.toContain('Fn::ImportValue');
  });
});

describe('PipelineNetwork in an existing VPC of another stack', () => {
  test('a security group of the VPC stack reaches the file system through rules of the network stack', () => {
    // Given a VPC and a group in one stack, and the network over that VPC in another
    const vpcStack = testStack('Vpc');
    const networkStack = new Stack(vpcStack.node.root as App, 'Network', { env: TEST_ENV });
    const vpc = new ec2.Vpc(vpcStack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const sharedGroup = new ec2.SecurityGroup(vpcStack, 'Jobs', { vpc, allowAllOutbound: false });
    const network = new PipelineNetwork(networkStack, 'Network', { vpc, egress: EgressMode.VPC_ENDPOINTS, flowLogs: false });
    // When the group is allowed to reach the file system
    network.allowFileSystemAccessFrom(sharedGroup);
    // Then both stacks synthesize, the rules in the network's stack, which already depends on the VPC's
    const vpcTemplate = Template.fromStack(vpcStack);
    const networkTemplate = Template.fromStack(networkStack);
    expect(networkStack.dependencies).toEqual([vpcStack]);
    expect(vpcStack.dependencies).toEqual([]);
    vpcTemplate.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    networkTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkFileSystemSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('Jobs') },
    });
    networkTemplate.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 2049,
      GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('Jobs') },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkFileSystemSecurityGroup'), 'GroupId'] },
    });
  });
});

describe('PipelineNetwork in one stack', () => {
  test('keeps the logical ids of the NFS rules of a component in the same stack', () => {
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    const component = new ec2.SecurityGroup(stack, 'Component', { vpc: network.vpc, allowAllOutbound: false });
    network.allowFileSystemAccessFrom(component);
    const template = Template.fromStack(stack);
    expect(Object.keys(template.findResources('AWS::EC2::SecurityGroupIngress')).sort()).toEqual([
      expect.stringMatching(/^NetworkFileSystemSecurityGroupfromTestComponent\w+2049\w+$/),
      expect.stringMatching(/^NetworkFileSystemSecurityGroupfromTestNetworkJobSecurityGroup\w+2049\w+$/),
    ]);
    expect(Object.keys(template.findResources('AWS::EC2::SecurityGroupEgress'))).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ComponenttoTestNetworkFileSystemSecurityGroup\w+2049\w+$/),
    ]));
  });
});
