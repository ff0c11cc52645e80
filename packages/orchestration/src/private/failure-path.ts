import { NagAcknowledgements } from '@batch-pipeline/network';
import { Aws, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { createFailureNoticeFormatter } from './failure-notice-formatter';
import { flowEvents, HistoryPart, taskEvents } from './history-budget';
import { WORKSPACE_CALL_EVENTS, WorkspaceCalls } from './workspace-call';

/** Where the metric of failure notifications that could not be published lives. */
export const UNDELIVERED_NOTIFICATIONS = { namespace: 'BatchPipeline', metricName: 'UndeliveredNotifications' } as const;

const API_CALL_TIMEOUT = Duration.seconds(60);

/** The retries CDK's LambdaInvoke adds for Lambda service errors (retryOnServiceExceptions). */
const LAMBDA_SERVICE_RETRIES = 6;

/** The errors with which SNS refuses what the formatter produced (Publish's input rules): the unformatted notification goes out instead. */
const REFUSED_FORMAT = ['SNS.InvalidParameterException', 'SNS.InvalidParameterValueException'];

/** The subject of the unformatted notification, sent when formatting fails. */
export const UNFORMATTED_SUBJECT = 'batch-pipeline run failed';

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
  /**
   * The steps that can fail, each with its `Failed: <step>` state, created in this order: the definition
   * lists those states in the order they lead into the clean-up.
   */
  readonly steps: string[];
  readonly workspace: WorkspaceCalls;
  /** How long the formatter's logs are kept. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Where every failed step goes: `Failed: <step>` records the step, the run's files are removed
 * from EFS (the upload stays in S3, so the run can be started again; a clean-up that fails is
 * reported instead), the notification is formatted (`failure-notice.ts`: readable subject and
 * text, a JSON part, message attributes), exactly one notification is published, and the
 * execution fails with the step's own error.
 *
 * Formatting must not be able to lose the notification: when the formatter fails, or SNS refuses
 * what it produced, the unformatted notification (the run's fields as JSON) is published instead.
 * A notification that cannot be published at all must not vanish either: the refusal stays in
 * the execution's data and logs, one data point of `UndeliveredNotifications` is written (the
 * state machine alarms on it), and the run still ends.
 */
export class FailurePath {
  /** The function that formats the notification. */
  public readonly formatter: lambda.IFunction;
  private readonly failedStates = new Map<string, sfn.State>();

  constructor(private readonly scope: Construct, props: FailurePathProps) {
    const runFailed = new sfn.Fail(scope, 'Run failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const countUndelivered = this.countUndeliveredNotification(runFailed);

    const notifyUnformatted = new tasks.SnsPublish(scope, 'Notify failure unformatted', {
      topic: props.notificationTopic,
      subject: UNFORMATTED_SUBJECT,
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
    notifyUnformatted.addRetry(SNS_PUBLISH_RETRY);
    notifyUnformatted.addCatch(countUndelivered, { resultPath: '$.notificationError' });
    notifyUnformatted.next(runFailed);

    // A custom state: the formatter decides which message attributes a notification has.
    const notifyFailure = new sfn.CustomState(scope, 'Notify failure', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::sns:publish`,
        Parameters: {
          'TopicArn': props.notificationTopic.topicArn,
          'Subject.$': '$.notice.subject',
          'Message.$': '$.notice.message',
          'MessageAttributes.$': '$.notice.attributes',
        },
        ResultPath: null,
        TimeoutSeconds: API_CALL_TIMEOUT.toSeconds(),
      },
    });
    notifyFailure.addRetry(SNS_PUBLISH_RETRY);
    notifyFailure.addCatch(notifyUnformatted, { errors: REFUSED_FORMAT, resultPath: '$.formatError' });
    notifyFailure.addCatch(countUndelivered, { resultPath: '$.notificationError' });
    notifyFailure.next(runFailed);

    this.formatter = createFailureNoticeFormatter(scope, props.logRetention ?? logs.RetentionDays.ONE_YEAR);
    const format = new tasks.LambdaInvoke(scope, 'Format failure notification', {
      lambdaFunction: this.formatter,
      payload: sfn.TaskInput.fromObject({
        runId: sfn.JsonPath.stringAt('$.runId'),
        bucket: sfn.JsonPath.stringAt('$.bucket'),
        key: sfn.JsonPath.stringAt('$.key'),
        versionId: sfn.JsonPath.stringAt('$.versionId'),
        failedStep: sfn.JsonPath.stringAt('$.failedStep'),
        error: sfn.JsonPath.objectAt('$.error'),
        cleanUp: sfn.JsonPath.objectAt('$.failureCleanUp'),
        execution: sfn.JsonPath.executionId,
      }),
      resultSelector: { 'subject.$': '$.Payload.subject', 'message.$': '$.Payload.message', 'attributes.$': '$.Payload.attributes' },
      resultPath: '$.notice',
      taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
    });
    format.addCatch(notifyUnformatted, { resultPath: '$.formatError' });
    format.next(notifyFailure);

    const cleanUp = props.workspace.call('Clean up after failure', {
      payload: { action: 'cleanup' },
      resultSelector: { 'removed.$': '$.Payload.removed' },
      resultPath: '$.failureCleanUp',
      timeout: API_CALL_TIMEOUT,
    });
    cleanUp.addCatch(format, { resultPath: '$.failureCleanUp' });
    cleanUp.next(format);
    for (const step of props.steps) {
      const failed = new sfn.Pass(scope, `Failed: ${step}`, { result: sfn.Result.fromString(step), resultPath: '$.failedStep' });
      failed.next(cleanUp);
      this.failedStates.set(step, failed);
    }
  }

  /** The cdk-nag finding the state machine role gets from CDK's invoke grant, which covers the formatter's versions. */
  public acknowledgeFindings(stateMachineRole: iam.IRole): void {
    NagAcknowledgements.acknowledgeWildcardResource(stateMachineRole, `${this.formatter.functionArn}:*`,
      'Step Functions may invoke any version of the failure notice formatter (the grant CDK makes for lambda:invoke); it is this one function.');
  }

  /** The state a failure of `step` goes to; one per step, however many states of that step fail into it. */
  public failedAt(step: string): sfn.State {
    const failed = this.failedStates.get(step);
    if (!failed) {
      throw new Error(`the failure path has no state for the step '${step}'; declare it in 'steps'`);
    }
    return failed;
  }

  /** The worst case of the failure path in history events: every call retried to its last attempt. */
  public historyPart(): HistoryPart {
    // Failed: <step>, clean-up, formatting, the formatted publish refused, the unformatted one retried to its end, the count, Run failed.
    const publish = taskEvents(SNS_PUBLISH_RETRY.maxAttempts! - 1);
    const events = flowEvents() + WORKSPACE_CALL_EVENTS + taskEvents(LAMBDA_SERVICE_RETRIES) + publish + publish + taskEvents(0) + flowEvents();
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
