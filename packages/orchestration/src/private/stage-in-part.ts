import { RunContract } from '@batch-pipeline/batch';
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DataSyncStageIn } from './datasync-stage-in';
import { FailurePath } from './failure-path';
import { RunPart } from './run-part';
import { DataSyncTransfers, RunPlan, stagesThroughDataSync } from './staging-plan';
import { transferTaskArns } from './transfer-stage';
import { FLOW_STATE_EVENTS, WORKSPACE_CALL_EVENTS, WorkspaceCalls } from './workspace-call';
import { DIRECT_COPY_CALL_TIMEOUT } from './workspace-function';
import { PipelineStep } from '../pipeline-step';
import { StagingStrategy } from '../staging-strategy';

const API_CALL_TIMEOUT = Duration.seconds(60);

/**
 * Where a DataSync stage-in puts the upload; the direct path has no staged copy, so its
 * clean-up names the run's own input instead.
 */
export function stagedPathOf(plan: RunPlan): string {
  return stagesThroughDataSync(plan.staging)
    ? sfn.JsonPath.format(`${plan.staging.transfers.stageIn.destinationLocation.subdirectory}{}`, sfn.JsonPath.stringAt('$.relativeKey'))
    : sfn.JsonPath.format(`${RunContract.RUNS_DIRECTORY}/{}/in/{}`, sfn.JsonPath.stringAt('$.runId'), sfn.JsonPath.stringAt('$.fileName'));
}

/** A stage-in that also tells how many DataSync status checks it makes (0 without DataSync). */
export interface StageInPart extends RunPart {
  readonly maxPolls: number;
}

/**
 * Stage in: the upload's version lands in the run's own input directory, copied by the workspace
 * function (`DIRECT`), by DataSync (`DATASYNC`), or by either after a Choice on the size the S3
 * event reports (`AUTO`).
 */
export function stageInPart(scope: Construct, plan: RunPlan, workspace: WorkspaceCalls, failure: FailurePath): StageInPart {
  const staging = plan.staging;
  if (staging.strategy === StagingStrategy.DIRECT) {
    const direct = directStageIn(workspace, failure);
    return { ...direct, maxPolls: 0, history: { step: 'stage in (direct)', events: WORKSPACE_CALL_EVENTS, remedy: 'it is fixed' } };
  }
  const viaDataSync = dataSyncStageIn(scope, plan, staging.transfers, workspace, failure);
  const dataSyncPart = viaDataSync.historyPart();
  if (staging.strategy === StagingStrategy.DATASYNC) {
    return {
      startState: viaDataSync.startState,
      maxPolls: viaDataSync.maxPolls,
      history: dataSyncPart,
      continueWith: (next) => viaDataSync.continueWith(next),
    };
  }
  const direct = directStageIn(workspace, failure);
  const choice = new sfn.Choice(scope, 'Stage in how?')
    .when(sfn.Condition.numberLessThanEquals('$.size', staging.thresholdBytes), direct.startState)
    .otherwise(viaDataSync.startState);
  return {
    startState: choice,
    maxPolls: viaDataSync.maxPolls,
    // The DataSync branch is the longer one.
    history: { ...dataSyncPart, events: FLOW_STATE_EVENTS + dataSyncPart.events },
    // DataSync first: the order in which states lead into `next` is the order the definition lists them in.
    continueWith: (next) => {
      viaDataSync.continueWith(next);
      direct.continueWith(next);
    },
  };
}

/** The workspace function copies exactly the uploaded version into `/runs/<runId>/in/`. */
function directStageIn(workspace: WorkspaceCalls, failure: FailurePath): Pick<RunPart, 'startState' | 'continueWith'> {
  const stageIn = workspace.call('Stage in directly', {
    payload: {
      action: 'stage-in',
      bucket: sfn.JsonPath.stringAt('$.bucket'),
      key: sfn.JsonPath.stringAt('$.key'),
      versionId: sfn.JsonPath.stringAt('$.versionId'),
      size: sfn.JsonPath.numberAt('$.size'),
      fileName: sfn.JsonPath.stringAt('$.fileName'),
    },
    resultSelector: { 'inputPath.$': '$.Payload.inputPath', 'outputDirectory.$': '$.Payload.outputDirectory' },
    resultPath: '$.workspace',
    timeout: DIRECT_COPY_CALL_TIMEOUT,
  });
  stageIn.addCatch(failure.failedAt(PipelineStep.STAGE_IN), { resultPath: '$.error' });
  return { startState: stageIn, continueWith: (next) => stageIn.next(next) };
}

/** Exactly the triggering version, through a per-run manifest, checked before the job sees it (see `DataSyncStageIn`). */
function dataSyncStageIn(scope: Construct, plan: RunPlan, transfers: DataSyncTransfers, workspace: WorkspaceCalls,
  failure: FailurePath): DataSyncStageIn {
  return new DataSyncStageIn(scope, 'StageIn', {
    who: plan.who,
    stageIn: transfers.stageIn,
    taskArns: transferTaskArns(transfers.stageIn),
    workspace,
    schedule: plan.schedule,
    timeout: plan.timeouts.stageIn,
    callTimeout: API_CALL_TIMEOUT,
    claimTimeout: DIRECT_COPY_CALL_TIMEOUT,
    onStageFailure: failure.failedAt(PipelineStep.STAGE_IN),
    onPrepareFailure: failure.failedAt(PipelineStep.PREPARE),
  });
}
