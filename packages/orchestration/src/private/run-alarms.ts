import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ALARM_PERIOD, atLeastOnceAlarm, routeAlarms } from './alarms';

/** The alarms of a state machine's runs. */
export interface RunAlarms {
  readonly failedRuns: cloudwatch.Alarm;
  readonly timedOutRuns: cloudwatch.Alarm;
  readonly undeliveredNotifications: cloudwatch.Alarm;
}

/**
 * A run that hits the run timeout, or is aborted by hand, ends without
 * reaching the failure states; EventBridge reports it to the same topic.
 * Failed runs are not matched: they already sent their notification.
 */
export function notifyOnRunTimeout(scope: Construct, stateMachine: sfn.IStateMachine, notificationTopic: sns.ITopic): void {
  new events.Rule(scope, 'RunTimedOutRule', {
    description: 'batch-pipeline: notify when a run hits the run timeout or is aborted',
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [stateMachine.stateMachineArn], status: ['TIMED_OUT', 'ABORTED'] },
    },
    targets: [new targets.SnsTopic(notificationTopic, {
      message: events.RuleTargetInput.fromObject({
        runId: events.EventField.fromPath('$.detail.name'),
        failedStep: 'run',
        error: events.EventField.fromPath('$.detail.status'),
        cause: 'The run did not finish within the run timeout, or it was aborted',
        input: events.EventField.fromPath('$.detail.input'),
        execution: events.EventField.fromPath('$.detail.executionArn'),
      }),
    })],
  });
}

/**
 * Alarms on failed runs, on runs that timed out or were aborted, and on failure notifications
 * that could not be published, routed to `alarmTopic` when there is one.
 */
export function createRunAlarms(scope: Construct, stateMachine: sfn.StateMachine, undeliveredNotifications: cloudwatch.IMetric,
  alarmTopic: sns.ITopic | undefined): RunAlarms {
  const failedRuns = atLeastOnceAlarm(scope, 'FailedRunsAlarm',
    stateMachine.metricFailed({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
    'at least one run failed in the last 5 minutes (each also sent a notification)');
  const timedOutRuns = atLeastOnceAlarm(scope, 'TimedOutRunsAlarm',
    new cloudwatch.MathExpression({
      expression: 'timedOut + aborted',
      usingMetrics: {
        timedOut: stateMachine.metricTimedOut({ statistic: cloudwatch.Stats.SUM }),
        aborted: stateMachine.metricAborted({ statistic: cloudwatch.Stats.SUM }),
      },
      period: ALARM_PERIOD,
    }),
    'at least one run hit the run timeout or was aborted in the last 5 minutes');
  const undelivered = atLeastOnceAlarm(scope, 'UndeliveredNotificationsAlarm', undeliveredNotifications,
    'a failure notification could not be published to the notification topic (the run\'s error is in its execution history)');
  routeAlarms([failedRuns, timedOutRuns, undelivered], alarmTopic,
    'Every failed run already sends its own notification; set alarmTopic to route the alarm as well.');
  return { failedRuns, timedOutRuns, undeliveredNotifications: undelivered };
}
