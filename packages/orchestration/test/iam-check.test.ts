import { checkIamCalls } from '@batch-pipeline/test-support';
import { Template } from 'aws-cdk-lib/assertions';
import { PipelineOrchestration, ZeroByteObjects } from '../src';
import { pipelineParts } from './pipeline-fixture';

/** Synthesizing the stack and evaluating every call takes seconds, more on a loaded machine. */
const CHECK_TIMEOUT_MS = 60_000;

describe('every call of the pipeline is allowed by its policies (IAM check)', () => {
  test('PipelineOrchestration over the whole pipeline: trigger, state machine, workspace, job, transfers, notifications', async () => {
    // Given the stack the orchestration suite checks with cdk-nag
    const parts = pipelineParts();
    new PipelineOrchestration(parts.stack, 'Orchestration', {
      stageIn: parts.stageIn,
      stageOut: parts.stageOut,
      processor: parts.processor,
      accessPoint: parts.storage.fileSystem.accessPoint,
      network: parts.network,
      suffixes: ['.csv'],
      zeroByteObjects: ZeroByteObjects.PROCESS,
      reservedConcurrency: 4,
    });
    // When every call is evaluated against the identity policies and the resource policies
    const { checked, denied } = await checkIamCalls(Template.fromStack(parts.stack).toJSON());
    // Then none is denied (publishing to the encrypted topic also needs its key: SNS uses the publisher's permissions)
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThan(83);
    // And the trigger's notice of a refused upload is among them: sns:Publish and the topic key's half
    const triggerPublishes = checked.filter((call) => /TriggerFunction/.test(call.reason) && /^(sns|kms):/.test(call.action)).map((call) => call.action);
    expect(triggerPublishes.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'sns:Publish']);
    // And so is the Process state's tagging of the job it submits with the run tag
    expect(checked.filter((call) => call.action === 'batch:TagResource').map((call) => call.context['aws:TagKeys'])).toEqual([['batch-pipeline:run']]);
  }, CHECK_TIMEOUT_MS);
});
