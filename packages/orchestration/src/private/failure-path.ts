import { Aws, Duration } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { flowEvents, HistoryPart, taskEvents } from './history-budget';
import { WORKSPACE_CALL_EVENTS, WorkspaceCalls } from './workspace-call';

/** Where the metric of failure notifications that could not be published lives. */
export const UNDELIVERED_NOTIFICATIONS = { namespace: 'BatchPipeline', metricName: 'UndeliveredNotifications' } as const;

const API_CALL_TIMEOUT = Duration.seconds(60);

/**
 * Retries of a publish: the service faults and KMS throttling that SNS's API
 * model declares for Publish, an unmodelled service error (how throttling of the
 * optimized integration surfaces), and a call that timed out.
 */
const SNS_PUBLISH_RETRY: sfn.RetryProps = {
  errors: ['SNS.InternalErrorException', 'SNS.KMSThrottlingException', 'SNS.AmazonSNSException', sfn.Errors.TIMEOUT],
  interval: Duration.seconds(2),
  maxAttempts: 3,
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

export interface FailurePathProps {
  readonly notificationTopic: sns.ITopic;
  readonly workspace: WorkspaceCalls;
}

/**
 * Where every failed step goes: `Failed: <step>` records the step, the run's
 * files are removed from EFS (the upload stays in S3, so the run can be started
 * again; a clean-up that fails is reported instead), exactly one notification
 * is published, and the execution fails with the step's own error.
 *
 * A notification that cannot be published must not vanish: the refusal stays
 * in the execution's data and logs, one data point of `UndeliveredNotifications`
 * is written (the state machine alarms on it), and the run still ends.
 */
export class FailurePath {
  private readonly failedStates = new Map<string, sfn.State>();
  private readonly cleanUpAfterFailure: sfn.State;

  constructor(private readonly scope: Construct, props: FailurePathProps) {
    const runFailed = new sfn.Fail(scope, 'Run failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const notifyFailure = new tasks.SnsPublish(scope, 'Notify failure', {
      topic: props.notificationTopic,
      subject: 'batch-pipeline run failed',
      message: sfn.TaskInput.fromObject({
        runId: sfn.JsonPath.stringAt('$.runId'),
        bucket: sfn.JsonPath.stringAt('$.bucket'),
        key: sfn.JsonPath.stringAt('$.key'),
        versionId: sfn.JsonPath.stringAt('$.versionId'),
        failedStep: sfn.JsonPath.stringAt('$.failedStep'),
        error: sfn.JsonPath.stringAt('$.error.Error'),
        cause: sfn.JsonPath.stringAt('$.error.Cause'),
        cleanUp: sfn.JsonPath.objectAt('$.failureCleanUp'),
        execution: sfn.JsonPath.executionId,
      }),
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
    });
    notifyFailure.addRetry(SNS_PUBLISH_RETRY);
    notifyFailure.addCatch(this.countUndeliveredNotification(runFailed), { resultPath: '$.notificationError' });
    notifyFailure.next(runFailed);

    const cleanUp = props.workspace.call('Clean up after failure', {
      payload: { action: 'cleanup' },
      resultSelector: { 'removed.$': '$.Payload.removed' },
      resultPath: '$.failureCleanUp',
      timeout: API_CALL_TIMEOUT,
    });
    cleanUp.addCatch(notifyFailure, { resultPath: '$.failureCleanUp' });
    cleanUp.next(notifyFailure);
    this.cleanUpAfterFailure = cleanUp;
  }

  /** The state a failure of `step` goes to; one per step, however many states of that step fail into it. */
  public failedAt(step: string): sfn.State {
    const existing = this.failedStates.get(step);
    if (existing) {
      return existing;
    }
    const failed = new sfn.Pass(this.scope, `Failed: ${step}`, { result: sfn.Result.fromString(step), resultPath: '$.failedStep' });
    failed.next(this.cleanUpAfterFailure);
    this.failedStates.set(step, failed);
    return failed;
  }

  /** The worst case of the failure path in history events: every call retried to its last attempt. */
  public historyPart(): HistoryPart {
    const events = flowEvents() + WORKSPACE_CALL_EVENTS + taskEvents(SNS_PUBLISH_RETRY.maxAttempts! - 1) + taskEvents(0) + flowEvents();
    return { step: 'the failure path', events, remedy: 'it is fixed; lower the other steps' };
  }

  private countUndeliveredNotification(runFailed: sfn.Fail): sfn.State {
    // A custom state, because the CDK task would grant PutMetricData without the namespace condition.
    const count = new sfn.CustomState(this.scope, 'Count undelivered notification', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:cloudwatch:putMetricData`,
        Parameters: {
          Namespace: UNDELIVERED_NOTIFICATIONS.namespace,
          MetricData: [{
            MetricName: UNDELIVERED_NOTIFICATIONS.metricName,
            Dimensions: [{ 'Name': 'StateMachineArn', 'Value.$': '$$.StateMachine.Id' }],
            Value: 1,
            Unit: 'Count',
          }],
        },
        ResultPath: null,
        TimeoutSeconds: API_CALL_TIMEOUT.toSeconds(),
      },
    });
    count.addCatch(runFailed, { resultPath: '$.metricError' });
    count.next(runFailed);
    return count;
  }
}
