import { StageInTransfer } from '@batch-pipeline/datasync';
import { nagFindings } from '@batch-pipeline/test-support';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PipelineOrchestration, ZeroByteObjects } from '../src';
import { pipelineParts, pipelineProps } from './pipeline-fixture';

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

  function wholeBucketStageIn() {
    const whole = pipelineParts();
    const stageIn = new StageInTransfer(whole.stack, 'WholeBucket', {
      network: whole.network,
      sourceBucket: whole.storage.uploads.bucket,
      fileSystem: whole.storage.fileSystem.fileSystem,
      accessPoint: whole.storage.fileSystem.accessPoint,
      destinationDirectory: '/staging',
    });
    const props = { ...pipelineProps(whole), stageIn };
    return { whole, props };
  }

  test('fails when the stage-in reads the whole bucket and that was not asked for, naming the construct the user built', () => {
    const { whole, props } = wholeBucketStageIn();
    expect(() => new PipelineOrchestration(whole.stack, 'Orchestration', props)).toThrow(
      "PipelineOrchestration 'Orchestration': the stage-in Test/WholeBucket reads the whole upload bucket (it has no 'sourcePrefix'), so every object uploaded anywhere in it would start a run; "
      + "allowed: a stage-in with a 'sourcePrefix' such as 'incoming/', or 'watchWholeBucket' true if that is meant",
    );
  });

  test('a stage-in over the whole bucket, with watchWholeBucket, makes the trigger watch every key', () => {
    const { whole, props } = wholeBucketStageIn();
    new PipelineOrchestration(whole.stack, 'Orchestration', { ...props, watchWholeBucket: true });
    Template.fromStack(whole.stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WATCH_PREFIX: '' }) },
    });
  });

  test('errors of its parts name the orchestration, not the inner id', () => {
    const other = pipelineParts();
    expect(() => new PipelineOrchestration(other.stack, 'Orchestration', {
      stageIn: other.stageIn,
      stageOut: other.stageOut,
      processor: other.processor,
      accessPoint: other.storage.fileSystem.accessPoint,
      network: other.network,
      suffixes: ['reports/'],
    })).toThrow("PipelineOrchestration 'Orchestration': 'suffixes' entry 'reports/' is not valid");
    const third = pipelineParts();
    expect(() => new PipelineOrchestration(third.stack, 'Orchestration', {
      stageIn: third.stageIn,
      stageOut: third.stageOut,
      processor: third.processor,
      accessPoint: third.storage.fileSystem.accessPoint,
      network: third.network,
      pollInterval: Duration.hours(2),
    })).toThrow("PipelineOrchestration 'Orchestration': 'pollInterval' 2 hours is not valid");
  });
});
