import { Duration } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { FailurePath } from './failure-path';
import { HistoryPart, taskEvents } from './history-budget';
import { RunLocations } from './staging-plan';
import { WORKSPACE_CALL_EVENTS, WorkspaceCalls } from './workspace-call';
import { PipelineStep } from '../pipeline-step';

const API_CALL_TIMEOUT = Duration.seconds(60);

/** The end of a run that succeeded. */
export interface RunEnd {
  readonly startState: sfn.State;
  readonly history: HistoryPart;
}

/**
 * Clean up (remove `/runs/<runId>`), then, with a `successTopic`, publish a success message
 * naming the report's location, then succeed. The report has landed: a lost success message
 * does not fail the run.
 */
export function runEnd(scope: Construct, workspace: WorkspaceCalls, failure: FailurePath, locations: RunLocations,
  successTopic: sns.ITopic | undefined): RunEnd {
  const cleanUp = workspace.call('Clean up', {
    payload: { action: 'cleanup' },
    resultSelector: { 'removed.$': '$.Payload.removed' },
    resultPath: '$.cleanUp',
    timeout: API_CALL_TIMEOUT,
  });
  cleanUp.addCatch(failure.failedAt(PipelineStep.CLEAN_UP), { resultPath: '$.error' });
  const runSucceeded = new sfn.Succeed(scope, 'Run succeeded');
  if (successTopic) {
    const notifySuccess = new tasks.SnsPublish(scope, 'Notify success', {
      topic: successTopic,
      subject: 'batch-pipeline run succeeded',
      message: sfn.TaskInput.fromObject({
        runId: sfn.JsonPath.stringAt('$.runId'),
        bucket: sfn.JsonPath.stringAt('$.bucket'),
        key: sfn.JsonPath.stringAt('$.key'),
        reportBucket: locations.reportsBucket.bucketName,
        reportPrefix: sfn.JsonPath.format(`${locations.reportsPrefix}runs/{}/out/`, sfn.JsonPath.stringAt('$.runId')),
        execution: sfn.JsonPath.executionId,
      }),
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
    });
    notifySuccess.addCatch(runSucceeded, { resultPath: '$.notificationError' });
    cleanUp.next(notifySuccess).next(runSucceeded);
  } else {
    cleanUp.next(runSucceeded);
  }
  return { startState: cleanUp, history: { step: 'clean up', events: WORKSPACE_CALL_EVENTS + taskEvents(0), remedy: 'it is fixed' } };
}
