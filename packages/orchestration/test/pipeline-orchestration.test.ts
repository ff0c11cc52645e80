import { StageInTransfer } from '@batch-pipeline/datasync';
import { nagFindings } from '@batch-pipeline/test-support';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PipelineOrchestration, ZeroByteObjects } from '../src';
import { pipelineParts } from './pipeline-fixture';

describe('PipelineOrchestration', () => {
  const parts = pipelineParts();
  const orchestration = new PipelineOrchestration(parts.stack, 'Orchestration', {
    stageIn: parts.stageIn,
    stageOut: parts.stageOut,
    processor: parts.processor,
    accessPoint: parts.storage.fileSystem.accessPoint,
    network: parts.network,
    suffixes: ['.csv'],
    zeroByteObjects: ZeroByteObjects.PROCESS,
    reservedConcurrency: 4,
  });
  const template = Template.fromStack(parts.stack);

  test('the trigger watches exactly the bucket and prefix that stage-in reads', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: Match.stringLikeRegexp('^StorageUploadsBucket') },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [Match.objectLike({
          Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.csv' }, { Name: 'prefix', Value: 'incoming/' }] } },
        })],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 4,
      Environment: { Variables: Match.objectLike({ WATCH_PREFIX: 'incoming/', ZERO_BYTE_OBJECTS: 'PROCESS' }) },
    });
  });

  test('the trigger starts executions of the workflow it builds', () => {
    expect(orchestration.stateMachine.stateMachine.node.path).toBe('Test/Orchestration/Workflow/StateMachine');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STATE_MACHINE_ARN: { Ref: Match.stringLikeRegexp('^OrchestrationWorkflowStateMachine') } }) },
    });
  });

  test('passes cdk-nag with nothing unacknowledged across the whole pipeline', () => {
    expect(nagFindings(parts.stack)).toEqual([]);
  });

  test('a stage-in over the whole bucket makes the trigger watch every key', () => {
    const whole = pipelineParts();
    const stageIn = new StageInTransfer(whole.stack, 'WholeBucket', {
      network: whole.network,
      sourceBucket: whole.storage.uploads.bucket,
      fileSystem: whole.storage.fileSystem.fileSystem,
      accessPoint: whole.storage.fileSystem.accessPoint,
      destinationDirectory: '/staging',
    });
    new PipelineOrchestration(whole.stack, 'Orchestration', {
      stageIn, stageOut: whole.stageOut, processor: whole.processor, accessPoint: whole.storage.fileSystem.accessPoint, network: whole.network,
    });
    Template.fromStack(whole.stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WATCH_PREFIX: '' }) },
    });
  });
});
