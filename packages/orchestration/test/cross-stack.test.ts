import { BatchProcessor, JobImage } from '@batch-pipeline/batch';
import { StageInTransfer, StageOutTransfer } from '@batch-pipeline/datasync';
import { EgressMode, PipelineNetwork } from '@batch-pipeline/network';
import { PipelineStorage } from '@batch-pipeline/storage';
import { TEST_ENV, testStack } from '@batch-pipeline/test-support';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PipelineOrchestration, PipelineStateMachine } from '../src';

const WATCH_PREFIX = 'incoming/';

/**
 * What a user who shares one network and storage between pipelines builds: the network
 * and the storage in a shared stack, the transfers and the processor in a pipeline stack
 * of the same app. `uploads` is the bucket stage-in reads, as the pipeline stack sees it.
 */
function sharedAndPipelineStacks(uploads: 'shared' | 'imported' = 'shared') {
  const shared = testStack('Shared');
  const pipeline = new Stack(shared.node.root as App, 'Pipeline', { env: TEST_ENV });
  const network = new PipelineNetwork(shared, 'Network', { egress: EgressMode.PUBLIC_SUBNETS });
  const storage = new PipelineStorage(shared, 'Storage', { network, uploads: { watchPrefix: WATCH_PREFIX } });
  const fileSystem = storage.fileSystem.fileSystem;
  const accessPoint = storage.fileSystem.accessPoint;
  const sourceBucket = uploads === 'shared'
    ? storage.uploads.bucket
    : s3.Bucket.fromBucketAttributes(pipeline, 'Uploads', { bucketArn: storage.uploads.bucket.bucketArn });
  const stageIn = new StageInTransfer(pipeline, 'StageIn', {
    network, sourceBucket, sourcePrefix: WATCH_PREFIX, fileSystem, accessPoint, destinationDirectory: '/staging',
  });
  const stageOut = new StageOutTransfer(pipeline, 'StageOut', {
    network, fileSystem, accessPoint, destinationBucket: storage.reports.bucket, destinationPrefix: 'reports/',
  });
  const processor = new BatchProcessor(pipeline, 'Processor', {
    network, fileSystem, accessPoint, image: JobImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'),
  });
  return { shared, pipeline, network, storage, parts: { stageIn, stageOut, processor, accessPoint, network } };
}

/** The NFS ingress rules of `template` whose source is a group of that stack, by logical id of the group. */
function nfsIngressSources(template: Template): string[] {
  return Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
    .filter((rule) => rule.Properties.FromPort === 2049)
    .map((rule) => rule.Properties.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] ?? JSON.stringify(rule.Properties.SourceSecurityGroupId))
    .sort();
}

describe('the pipeline in its own stack, over the network and storage of a shared stack', () => {
  // Given the network and storage in one stack, and the transfers, processor and state machine in another
  const { shared, pipeline, network, parts } = sharedAndPipelineStacks();
  const workflow = new PipelineStateMachine(pipeline, 'Workflow', parts);
  // When the app is synthesized
  const sharedTemplate = Template.fromStack(shared);
  const pipelineTemplate = Template.fromStack(pipeline);
  const fileSystemGroup = pipeline.resolve(network.fileSystemSecurityGroup.securityGroupId);

  test('both stacks synthesize, the pipeline stack depending on the shared one only', () => {
    expect(pipeline.dependencies).toEqual([shared]);
    expect(shared.dependencies).toEqual([]);
    expect(JSON.stringify(sharedTemplate.toJSON())).not.toContain('Fn::ImportValue');
    pipelineTemplate.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });

  test('the file system security group lets in the workspace function and both DataSync locations, through rules of the pipeline stack', () => {
    expect(fileSystemGroup).toEqual({ 'Fn::ImportValue': expect.stringContaining('NetworkFileSystemSecurityGroup') });
    expect(nfsIngressSources(pipelineTemplate)).toEqual([
      expect.stringMatching(/^StageInDestinationSecurityGroup/),
      expect.stringMatching(/^StageOutSourceSecurityGroup/),
      expect.stringMatching(/^WorkflowWorkspaceSecurityGroup/),
    ]);
    for (const rule of Object.values(pipelineTemplate.findResources('AWS::EC2::SecurityGroupIngress'))) {
      expect(rule.Properties).toEqual(expect.objectContaining({ IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049, GroupId: fileSystemGroup }));
    }
    // The jobs run in the network's job group, which the network itself lets in.
    expect(nfsIngressSources(sharedTemplate)).toEqual([expect.stringMatching(/^NetworkJobSecurityGroup/)]);
  });

  test('the workspace function security group allows NFS out to the file system security group', () => {
    const workspaceGroup = (workflow.workspaceFunction.connections.securityGroups[0] as ec2.ISecurityGroup).securityGroupId;
    pipelineTemplate.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
      GroupId: pipeline.resolve(workspaceGroup),
      DestinationSecurityGroupId: fileSystemGroup,
    });
  });

  test('each DataSync location group allows NFS out to the file system security group', () => {
    for (const location of [parts.stageIn.destinationLocation, parts.stageOut.sourceLocation]) {
      pipelineTemplate.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        FromPort: 2049,
        GroupId: pipeline.resolve(location.securityGroup.securityGroupId),
        DestinationSecurityGroupId: fileSystemGroup,
      });
    }
  });
});

describe('PipelineOrchestration in its own stack, over the network and storage of a shared stack', () => {
  test('synthesizes with the upload bucket imported into the pipeline stack, which then holds its notification', () => {
    // Given the shared stack, and the orchestration over an upload bucket imported into the pipeline stack
    const { shared, pipeline, parts } = sharedAndPipelineStacks('imported');
    new PipelineOrchestration(pipeline, 'Orchestration', parts);
    // When the app is synthesized
    Template.fromStack(shared);
    const pipelineTemplate = Template.fromStack(pipeline);
    // Then the pipeline stack depends on the shared one only and configures the bucket's notification itself
    expect(pipeline.dependencies).toEqual([shared]);
    expect(shared.dependencies).toEqual([]);
    pipelineTemplate.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { 'Fn::Select': Match.anyValue() },
      Managed: false,
    });
  });

  test('with the shared stack\'s own upload bucket, both stacks synthesize: the trigger configures the notification from the pipeline stack', () => {
    // Given the orchestration over the upload bucket of the shared stack itself
    const { shared, pipeline, parts } = sharedAndPipelineStacks('shared');
    new PipelineOrchestration(pipeline, 'Orchestration', parts);
    // When the app is synthesized
    Template.fromStack(shared);
    const pipelineTemplate = Template.fromStack(pipeline);
    // Then the pipeline stack depends on the shared one only, and holds the bucket's notification
    expect(pipeline.dependencies).toEqual([shared]);
    expect(shared.dependencies).toEqual([]);
    pipelineTemplate.hasResourceProperties('Custom::S3BucketNotifications', { Managed: false });
    expect(Template.fromStack(shared).findResources('Custom::S3BucketNotifications')).toEqual({});
  });
});
