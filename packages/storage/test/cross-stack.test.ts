import { PipelineNetwork } from '@batch-pipeline/network';
import { TEST_ENV, testStack } from '@batch-pipeline/test-support';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { PipelineFileSystem, PipelineStorage } from '../src';

/** A shared stack for the storage, and a second stack of the same app for a component that mounts the file system. */
function sharedAndConsumerStacks(): { shared: Stack; consumer: Stack } {
  const shared = testStack('Shared');
  return { shared, consumer: new Stack(shared.node.root as App, 'Consumer', { env: TEST_ENV }) };
}

function nfsRulesOf(consumerTemplate: Template, fileSystemGroup: RegExp): void {
  consumerTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    IpProtocol: 'tcp',
    FromPort: 2049,
    ToPort: 2049,
    GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp(fileSystemGroup.source) },
    SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Component'), 'GroupId'] },
  });
  consumerTemplate.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
    IpProtocol: 'tcp',
    FromPort: 2049,
    ToPort: 2049,
    GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Component'), 'GroupId'] },
    DestinationSecurityGroupId: { 'Fn::ImportValue': Match.stringLikeRegexp(fileSystemGroup.source) },
  });
}

describe('PipelineStorage shared with a component in another stack', () => {
  // Given the network and the storage in one stack, and a component's security group in another
  const { shared, consumer } = sharedAndConsumerStacks();
  const network = new PipelineNetwork(shared, 'Network');
  const storage = new PipelineStorage(shared, 'Storage', { network });
  const component = new ec2.SecurityGroup(consumer, 'Component', { vpc: network.vpc, allowAllOutbound: false });
  // When the component is allowed to reach the file system
  storage.fileSystem.allowAccessFrom(component);
  // Then both stacks synthesize (no dependency cycle)
  const sharedTemplate = Template.fromStack(shared);
  const consumerTemplate = Template.fromStack(consumer);

  test('the component stack depends on the storage stack, and not the other way round', () => {
    expect(consumer.dependencies).toEqual([shared]);
    expect(shared.dependencies).toEqual([]);
    expect(JSON.stringify(sharedTemplate.toJSON())).not.toContain('Fn::ImportValue');
  });

  test('the NFS rules between the component and the mount targets are in the component stack', () => {
    nfsRulesOf(consumerTemplate, /NetworkFileSystemSecurityGroup/);
  });
});

describe('PipelineFileSystem in an existing VPC, shared with a component in another stack', () => {
  // Given a file system with its own security group in one stack, and a component's security group in another
  const { shared, consumer } = sharedAndConsumerStacks();
  const vpc = new ec2.Vpc(shared, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const files = new PipelineFileSystem(shared, 'Files', { vpc });
  const component = new ec2.SecurityGroup(consumer, 'Component', { vpc, allowAllOutbound: false });
  // When the component is allowed to reach the file system
  files.allowAccessFrom(component);
  // Then both stacks synthesize (no dependency cycle)
  const sharedTemplate = Template.fromStack(shared);
  const consumerTemplate = Template.fromStack(consumer);

  test('the component stack depends on the file system stack, and not the other way round', () => {
    expect(consumer.dependencies).toEqual([shared]);
    expect(shared.dependencies).toEqual([]);
    sharedTemplate.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test('the NFS rules between the component and the mount targets are in the component stack', () => {
    nfsRulesOf(consumerTemplate, /FilesSecurityGroup/);
  });
});

describe('PipelineFileSystem in a pipeline stack over the VPC of a shared stack', () => {
  test('a security group of the VPC stack reaches the mount targets through rules of the file system stack', () => {
    // Given the VPC and a group in one stack, and the file system with its own group in another
    const { shared, consumer } = sharedAndConsumerStacks();
    const vpc = new ec2.Vpc(shared, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const sharedGroup = new ec2.SecurityGroup(shared, 'Jobs', { vpc, allowAllOutbound: false });
    // When the shared group is allowed to reach the file system
    new PipelineFileSystem(consumer, 'Files', { vpc, allowedSecurityGroups: [sharedGroup] });
    // Then both stacks synthesize and the rules are in the file system's stack, which already depends on the VPC's
    const sharedTemplate = Template.fromStack(shared);
    const consumerTemplate = Template.fromStack(consumer);
    expect(consumer.dependencies).toEqual([shared]);
    expect(shared.dependencies).toEqual([]);
    sharedTemplate.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    sharedTemplate.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    consumerTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FilesSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('Jobs') },
    });
    consumerTemplate.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 2049,
      GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('Jobs') },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FilesSecurityGroup'), 'GroupId'] },
    });
  });
});
