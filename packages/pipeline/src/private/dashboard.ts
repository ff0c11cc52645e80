import { PipelineOrchestration } from '@batch-pipeline/orchestration';
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/** The metrics the dashboard shows, taken from the umbrella so that its metric methods and the dashboard agree. */
export interface DashboardMetrics {
  readonly runsStarted: cloudwatch.IMetric;
  readonly runsSucceeded: cloudwatch.IMetric;
  readonly runsFailed: cloudwatch.IMetric;
  readonly runsTimedOut: cloudwatch.IMetric;
  readonly runDuration: cloudwatch.IMetric;
}

/**
 * One dashboard of a pipeline: runs (started, succeeded, failed, timed out), run
 * duration, failure notifications that could not be delivered, trigger errors and
 * the trigger's dead letters, and the state of every alarm.
 */
export function createDashboard(scope: Construct, orchestration: PipelineOrchestration, metrics: DashboardMetrics): cloudwatch.Dashboard {
  const { stateMachine: workflow, trigger } = orchestration;
  const width = 8;
  return new cloudwatch.Dashboard(scope, 'Dashboard', {
    defaultInterval: Duration.days(1),
    widgets: [
      [
        new cloudwatch.GraphWidget({
          title: 'Runs',
          width,
          left: [metrics.runsStarted, metrics.runsSucceeded, metrics.runsFailed, metrics.runsTimedOut],
        }),
        new cloudwatch.GraphWidget({
          title: 'Run duration',
          width,
          left: [metrics.runDuration],
          leftYAxis: { label: 'ms', showUnits: false },
        }),
        new cloudwatch.AlarmStatusWidget({
          title: 'Alarms',
          width,
          alarms: [
            workflow.failedRunsAlarm, workflow.timedOutRunsAlarm, workflow.undeliveredNotificationsAlarm,
            trigger.errorsAlarm, trigger.deadLettersAlarm,
          ],
        }),
      ],
      [
        new cloudwatch.GraphWidget({
          title: 'Undelivered failure notifications',
          width,
          left: [workflow.metricUndeliveredNotifications({ label: 'Undelivered notifications' })],
        }),
        new cloudwatch.GraphWidget({
          title: 'Trigger errors',
          width,
          left: [trigger.errorsAlarm.metric],
        }),
        new cloudwatch.GraphWidget({
          title: 'Uploads in the dead-letter queue',
          width,
          left: [trigger.deadLettersAlarm.metric],
        }),
      ],
    ],
  });
}
