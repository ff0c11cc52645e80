import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** The period every pipeline alarm looks at. */
export const ALARM_PERIOD = Duration.minutes(5);

/** An alarm that fires when `metric` reaches 1 in one period; no data is not an alarm. */
export function atLeastOnceAlarm(scope: Construct, id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    metric,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `batch-pipeline: ${description}`,
  });
}

/**
 * Sends the alarms' state changes to `topic`; without one, the alarms are
 * exposed for the operator to route and the missing action is acknowledged.
 */
export function routeAlarms(alarms: cloudwatch.Alarm[], topic: sns.ITopic | undefined, reasonWithoutTopic: string): void {
  for (const alarm of alarms) {
    if (topic) {
      alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
    } else {
      Validations.of(alarm).acknowledge({ id: 'NIST.800.53.R5-CloudWatchAlarmAction', reason: reasonWithoutTopic });
    }
  }
}
