import { IBatchProcessor } from '@batch-pipeline/batch';
import { NagAcknowledgements } from '@batch-pipeline/network';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, IConstruct } from 'constructs';
import { allowServicesToPublish } from './alarms';
import { UNDELIVERED_NOTIFICATIONS } from './failure-path';
import { grantProcessJob } from './process-job';
import { RunPlan, stagesThroughDataSync } from './staging-plan';
import { NO_RESOURCE_LEVEL_PERMISSIONS } from './workspace-function';

const EVENTBRIDGE_SERVICE = 'events.amazonaws.com';

/** The topic failure notifications go to when none is given: encrypted with its own key (rotation on), TLS enforced. */
export function createNotificationTopic(scope: Construct): sns.ITopic {
  const key = new kms.Key(scope, 'NotificationKey', {
    enableKeyRotation: true,
    description: 'batch-pipeline failure notifications',
  });
  return new sns.Topic(scope, 'NotificationTopic', {
    displayName: 'batch-pipeline failures',
    masterKey: key,
    enforceSSL: true,
  });
}

/** What the workflow's own tasks do not grant: the transfers' executions, the job, the topics and the metric. */
export function grantRunPermissions(stateMachine: sfn.StateMachine, plan: RunPlan, processor: IBatchProcessor,
  notificationTopic: sns.ITopic, successTopic: sns.ITopic | undefined): void {
  if (stagesThroughDataSync(plan.staging)) {
    for (const transfer of [plan.staging.transfers.stageIn, plan.staging.transfers.stageOut]) {
      transfer.grantStartExecution(stateMachine);
      transfer.grantCancelExecution(stateMachine);
    }
  }
  grantProcessJob(stateMachine.role, processor);
  // SnsPublish grants sns:Publish only; the L2 grant adds the key half
  // (kms:GenerateDataKey*, kms:Decrypt) that SNS requires of a publisher to an encrypted topic.
  notificationTopic.grantPublish(stateMachine);
  successTopic?.grantPublish(stateMachine);
  // Run timeouts reach the topic through EventBridge, whose service principal needs the key too.
  allowServicesToPublish(notificationTopic, [EVENTBRIDGE_SERVICE]);
  stateMachine.addToRolePolicy(new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    resources: [NO_RESOURCE_LEVEL_PERMISSIONS],
    conditions: { StringEquals: { 'cloudwatch:namespace': UNDELIVERED_NOTIFICATIONS.namespace } },
  }));
}

/** The cdk-nag findings of the state machine's role and log group, each with its reason. */
export function acknowledgeStateMachineFindings(stateMachine: sfn.StateMachine, logGroup: logs.ILogGroup, workspaceFunction: lambda.IFunction): void {
  const role = stateMachine.role;
  const findings: Array<[IConstruct, string, string]> = [
    [role, 'AwsSolutions-IAM5[Resource::*]',
      'X-Ray trace upload, CloudWatch Logs delivery management, batch:DescribeJobs (for .sync) and cloudwatch:PutMetricData '
      + '(limited to the BatchPipeline namespace by a condition) have no resource-level permissions.'],
    [role, 'NIST.800.53.R5-IAMNoInlinePolicy',
      'The inline policy is generated from the workflow\'s tasks and names exactly the two DataSync tasks, the job queue and definition, '
      + 'the workspace function and the topic.'],
    [logGroup, 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'Execution logs are encrypted with the CloudWatch Logs service key.'],
    [role, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'The key half of topic.grantPublish: SNS generates a data key as the publisher of an encrypted topic; '
      + 'the grant is on the topic\'s own key only.'],
  ];
  for (const [construct, id, reason] of findings) {
    NagAcknowledgements.acknowledge(construct, id, reason);
  }
  NagAcknowledgements.acknowledgeWildcardResource(role, `${workspaceFunction.functionArn}:*`,
    'Step Functions may invoke any version of the workspace function (the grant CDK makes for lambda:invoke); it is this one function.');
  NagAcknowledgements.acknowledgeWildcardResource(role, Stack.of(stateMachine).formatArn({ service: 'batch', resource: 'job', resourceName: '*' }),
    'Step Functions tags the Batch job it submits with the run (batch:TagResource, limited by a condition to the batch-pipeline:run key) '
    + 'and terminates it when the process step times out; job ids are only known at run time, and the ARN is limited to this account and region.');
}
