import { PipelineNetwork } from '@batch-pipeline/network';
import { TEST_ENV, testStack } from '@batch-pipeline/test-support';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import { BatchProcessor, JobImage } from '../src';
import { PUBLIC_IMAGE } from './helpers';

interface SharedAndPipelineStacks {
  readonly shared: Stack;
  readonly pipeline: Stack;
  readonly network: PipelineNetwork;
  readonly fileSystem: efs.FileSystem;
  readonly accessPoint: efs.AccessPoint;
}

/** A shared stack with the network and a file system, and a second stack of the same app for the processor. */
function sharedAndPipelineStacks(): SharedAndPipelineStacks {
  const shared = testStack('Shared');
  const pipeline = new Stack(shared.node.root as App, 'Pipeline', { env: TEST_ENV });
  const network = new PipelineNetwork(shared, 'Network');
  const fileSystem = new efs.FileSystem(shared, 'FileSystem', {
    vpc: network.vpc,
    vpcSubnets: network.privateSubnets,
    securityGroup: network.fileSystemSecurityGroup,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const accessPoint = fileSystem.addAccessPoint('AccessPoint', { path: '/pipeline', posixUser: { uid: '1000', gid: '1000' } });
  return { shared, pipeline, network, fileSystem, accessPoint };
}

const image = () => JobImage.fromRegistry(PUBLIC_IMAGE);

describe('BatchProcessor in a pipeline stack, in an existing VPC and file system of a shared stack', () => {
  // Given the VPC and the file system in one stack, and the processor with its own job security group in another
  const { shared, pipeline, network, fileSystem, accessPoint } = sharedAndPipelineStacks();
  const processor = new BatchProcessor(pipeline, 'Job', { vpc: network.vpc, vpcSubnets: network.jobSubnets, fileSystem, accessPoint, image: image() });
  // When the app is synthesized
  const sharedTemplate = Template.fromStack(shared);
  const pipelineTemplate = Template.fromStack(pipeline);
  const jobGroup = pipeline.resolve(processor.computeEnvironment.securityGroups[0].securityGroupId);
  const fileSystemGroup = pipeline.resolve(network.fileSystemSecurityGroup.securityGroupId);

  test('both stacks synthesize, the pipeline stack depending on the shared one only', () => {
    expect(pipeline.dependencies).toEqual([shared]);
    expect(shared.dependencies).toEqual([]);
    expect(JSON.stringify(sharedTemplate.toJSON())).not.toContain('Fn::ImportValue');
  });

  test('the file system security group lets the job security group in over NFS, with the rule in the pipeline stack', () => {
    expect(jobGroup).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^JobJobSecurityGroup/), 'GroupId'] });
    expect(fileSystemGroup).toEqual({ 'Fn::ImportValue': expect.stringContaining('NetworkFileSystemSecurityGroup') });
    pipelineTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      GroupId: fileSystemGroup,
      SourceSecurityGroupId: jobGroup,
      Description: 'NFS from the pipeline jobs',
    });
  });

  test('the job security group allows NFS out to the file system security group', () => {
    pipelineTemplate.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      GroupId: jobGroup,
      DestinationSecurityGroupId: fileSystemGroup,
      Description: 'NFS from the pipeline jobs',
    });
  });
});

describe('BatchProcessor in a pipeline stack, on a PipelineNetwork of a shared stack', () => {
  test('with the file system in the shared stack too, the NFS rules are the network\'s own, between its groups', () => {
    // Given the network and the file system in one stack, and the processor on the network in another
    const { shared, pipeline, network, fileSystem, accessPoint } = sharedAndPipelineStacks();
    new BatchProcessor(pipeline, 'Job', { network, fileSystem, accessPoint, image: image() });
    // When the app is synthesized
    const sharedTemplate = Template.fromStack(shared);
    const pipelineTemplate = Template.fromStack(pipeline);
    // Then the jobs use the network's job group, which the network already lets reach the file system
    expect(pipeline.dependencies).toEqual([shared]);
    expect(shared.dependencies).toEqual([]);
    sharedTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkFileSystemSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkJobSecurityGroup'), 'GroupId'] },
    });
    pipelineTemplate.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    pipelineTemplate.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });

  test('with a file system of its own group in the pipeline stack, the NFS rules are in the pipeline stack', () => {
    // Given the network in one stack, and a file system with its own group and the processor in another
    const { shared, pipeline, network } = sharedAndPipelineStacks();
    const ownGroup = new ec2.SecurityGroup(pipeline, 'OwnGroup', { vpc: network.vpc, allowAllOutbound: false });
    const fileSystem = new efs.FileSystem(pipeline, 'Own', { vpc: network.vpc, vpcSubnets: network.privateSubnets, securityGroup: ownGroup });
    new BatchProcessor(pipeline, 'Job', { network, fileSystem, accessPoint: fileSystem.addAccessPoint('Ap'), image: image() });
    // When the app is synthesized
    Template.fromStack(shared);
    const pipelineTemplate = Template.fromStack(pipeline);
    // Then the network's job group reaches the file system's group, through rules of the pipeline stack
    expect(pipeline.dependencies).toEqual([shared]);
    expect(shared.dependencies).toEqual([]);
    const jobGroup = pipeline.resolve(network.jobSecurityGroup.securityGroupId);
    expect(jobGroup).toEqual({ 'Fn::ImportValue': expect.stringContaining('NetworkJobSecurityGroup') });
    pipelineTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnGroup'), 'GroupId'] },
      SourceSecurityGroupId: jobGroup,
    });
    pipelineTemplate.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 2049,
      GroupId: jobGroup,
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnGroup'), 'GroupId'] },
    });
  });
});
