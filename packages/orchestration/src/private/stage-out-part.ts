import { RunContract } from '@batch-pipeline/batch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FailurePath } from './failure-path';
import { RunPart } from './run-part';
import { DataSyncTransfers, RunPlan } from './staging-plan';
import { TransferStage, transferTaskArns } from './transfer-stage';
import { FLOW_STATE_EVENTS, WORKSPACE_CALL_EVENTS, WorkspaceCalls } from './workspace-call';
import { DIRECT_COPY_CALL_TIMEOUT } from './workspace-function';
import { PipelineStep } from '../pipeline-step';
import { StagingStrategy } from '../staging-strategy';

/** An output limit the direct stage-out never reaches: `DIRECT` uploads every output. */
const NO_OUTPUT_LIMIT = Number.MAX_SAFE_INTEGER;

/** A stage-out that also tells how many DataSync status checks it makes (0 without DataSync). */
export interface StageOutPart extends RunPart {
  readonly maxPolls: number;
}

/**
 * Stage out: the run's output directory goes to `<reportsPrefix>runs/<runId>/out/`, uploaded by
 * the workspace function (`DIRECT`), copied by DataSync (`DATASYNC`), or uploaded directly when
 * it is at most the threshold and else left to DataSync (`AUTO`: the function then uploads nothing).
 */
export function stageOutPart(scope: Construct, plan: RunPlan, workspace: WorkspaceCalls, failure: FailurePath): StageOutPart {
  const staging = plan.staging;
  if (staging.strategy === StagingStrategy.DIRECT) {
    const direct = directStageOut(workspace, failure, plan, NO_OUTPUT_LIMIT);
    return {
      startState: direct,
      maxPolls: 0,
      history: { step: 'stage out (direct)', events: WORKSPACE_CALL_EVENTS, remedy: 'it is fixed' },
      continueWith: (next) => direct.next(next),
    };
  }
  const transfer = dataSyncStageOut(scope, plan, staging.transfers, failure);
  const transferPart = transfer.historyPart();
  if (staging.strategy === StagingStrategy.DATASYNC) {
    return {
      startState: transfer.startState,
      maxPolls: transfer.maxPolls,
      history: transferPart,
      continueWith: (next) => transfer.continueWith(next),
    };
  }
  const direct = directStageOut(workspace, failure, plan, staging.thresholdBytes);
  return {
    startState: direct,
    maxPolls: transfer.maxPolls,
    // The longer branch: the direct call found the output too large, then DataSync copies it.
    history: { ...transferPart, events: WORKSPACE_CALL_EVENTS + FLOW_STATE_EVENTS + transferPart.events },
    // DataSync first: the order in which states lead into `next` is the order the definition lists them in.
    continueWith: (next) => {
      transfer.continueWith(next);
      direct.next(new sfn.Choice(scope, 'Staged out?')
        .when(sfn.Condition.booleanEquals('$.stageOutDirectly.staged', true), next)
        .otherwise(transfer.startState));
    },
  };
}

/** The workspace function uploads the output directory when its total size is at most `maxBytes`. */
function directStageOut(workspace: WorkspaceCalls, failure: FailurePath, plan: RunPlan, maxBytes: number): sfn.TaskStateBase {
  const { reportsBucket, reportsPrefix } = plan.locations;
  const stageOut = workspace.call('Stage out directly', {
    payload: {
      action: 'stage-out',
      reportBucket: reportsBucket.bucketName,
      reportPrefix: sfn.JsonPath.format(`${reportsPrefix}runs/{}/out/`, sfn.JsonPath.stringAt('$.runId')),
      maxBytes,
    },
    resultSelector: { 'staged.$': '$.Payload.staged', 'bytes.$': '$.Payload.bytes', 'files.$': '$.Payload.files' },
    resultPath: '$.stageOutDirectly',
    timeout: DIRECT_COPY_CALL_TIMEOUT,
  });
  stageOut.addCatch(failure.failedAt(PipelineStep.STAGE_OUT), { resultPath: '$.error' });
  return stageOut;
}

/** DataSync copies the run's output directory (the stage-out task reads EFS from the access point root). */
function dataSyncStageOut(scope: Construct, plan: RunPlan, transfers: DataSyncTransfers, failure: FailurePath): TransferStage {
  return new TransferStage(scope, 'StageOut', {
    stepName: 'Stage out',
    statePath: '$.stageOut',
    taskArns: transferTaskArns(transfers.stageOut),
    includes: transfers.stageOut.includeRunOutput(sfn.JsonPath.stringAt('$.runId'), { runsDirectory: RunContract.RUNS_DIRECTORY }),
    schedule: plan.schedule,
    timeout: plan.timeouts.stageOut,
    timeoutProp: 'stageOutTimeout',
    onFailure: failure.failedAt(PipelineStep.STAGE_OUT),
  });
}
