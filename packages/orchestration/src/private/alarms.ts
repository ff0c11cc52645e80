import { Annotations, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** The period every pipeline alarm looks at. */
export const ALARM_PERIOD = Duration.minutes(5);

/** The service principal CloudWatch alarms publish their actions as. */
export const CLOUDWATCH_SERVICE = 'cloudwatch.amazonaws.com';

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
 * Lets AWS services publish to `topic` on behalf of this account. SNS
 * encrypts each message with the topic's KMS key as the publisher, so a
 * service publisher needs the key policy to allow it kms:GenerateDataKey* and
 * kms:Decrypt (SNS developer guide, "compatibility between event sources from
 * AWS services and encrypted topics"). With `topicPolicy`, the topic's own
 * policy allows the service to publish too (limited to this account); EventBridge
 * rule targets add that statement themselves.
 *
 * A topic or key that was imported cannot be changed here: a warning says what
 * its owner must allow.
 */
export function allowServicesToPublish(topic: sns.ITopic, services: string[], options: { readonly topicPolicy?: boolean } = {}): void {
  for (const service of services) {
    const principal = new iam.ServicePrincipal(service);
    if (options.topicPolicy) {
      const added = topic.addToResourcePolicy(new iam.PolicyStatement({
        principals: [principal],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(topic).account } },
      }));
      if (!added.statementAdded) {
        Annotations.of(topic).addWarningV2('@batch-pipeline/orchestration:importedTopicPolicy',
          `The policy of the imported topic must allow ${service} to sns:Publish, or its messages are refused.`);
      }
    }
    if (topic.masterKey) {
      const grant = topic.masterKey.grant(principal, 'kms:GenerateDataKey*', 'kms:Decrypt');
      if (!grant.success) {
        Annotations.of(topic).addWarningV2('@batch-pipeline/orchestration:importedTopicKey',
          `The key policy of the topic's imported KMS key must allow ${service} kms:GenerateDataKey* and kms:Decrypt, or its messages are refused.`);
      }
    }
  }
}

/**
 * Sends the alarms' state changes to `topic` (and lets CloudWatch use the
 * topic and its key); without one, the alarms are exposed for the operator to
 * route and the missing action is acknowledged.
 */
export function routeAlarms(alarms: cloudwatch.Alarm[], topic: sns.ITopic | undefined, reasonWithoutTopic: string): void {
  if (topic) {
    allowServicesToPublish(topic, [CLOUDWATCH_SERVICE], { topicPolicy: true });
  }
  for (const alarm of alarms) {
    if (topic) {
      alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
    } else {
      Validations.of(alarm).acknowledge({ id: 'NIST.800.53.R5-CloudWatchAlarmAction', reason: reasonWithoutTopic });
    }
  }
}
