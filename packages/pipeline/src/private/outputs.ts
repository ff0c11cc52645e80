import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { CfnOutput, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { invalid } from './errors';

/** What a user needs after `cdk deploy`, taken from the pipeline's parts. */
export interface PipelineOutputParts {
  readonly uploadBucket: s3.IBucket;
  readonly watchPrefix: string;
  readonly reportsBucket: s3.IBucket;
  readonly reportsPrefix: string;
  readonly stateMachine: sfn.IStateMachine;
  readonly notificationTopic: sns.ITopic;
  readonly jobLogGroup: logs.ILogGroup;
  readonly dashboard?: cloudwatch.Dashboard;
  readonly desktopStackName?: string;
}

/** The output names (after the pipeline's construct id), as `cdk deploy` prints them and DescribeStacks returns them. */
export const OUTPUT_NAMES = [
  'UploadBucketName', 'UploadLocation', 'ReportsBucketName', 'ReportsLocation', 'StateMachineArn',
  'NotificationTopicArn', 'JobLogGroupName', 'DashboardName', 'DesktopStackName',
] as const;
type OutputName = typeof OUTPUT_NAMES[number];

/**
 * The stack outputs of one pipeline, each named `<pipeline id><name>` (`PipelineUploadLocation`
 * for a pipeline with id `Pipeline`) so that `cdk deploy` prints readable names; two pipelines
 * of one stack differ by their ids. Descriptions hold no token: CloudFormation takes them as
 * literal strings.
 */
export function addPipelineOutputs(pipeline: Construct, parts: PipelineOutputParts): void {
  const prefix = pipeline.node.id.replace(/[^A-Za-z0-9]/g, '');
  refuseTakenNames(pipeline, prefix);
  const output = (name: OutputName, value: string, description: string) => {
    new CfnOutput(pipeline, name, { value, description }).overrideLogicalId(`${prefix}${name}`);
  };
  const watched = parts.watchPrefix === '' ? 'any key' : literal(parts.watchPrefix, 'the watched prefix');
  output('UploadBucketName', parts.uploadBucket.bucketName,
    `Upload bucket: a file put under ${watched} of it starts one run`);
  output('UploadLocation', `s3://${parts.uploadBucket.bucketName}/${parts.watchPrefix}`,
    'Where to upload: a file copied under this S3 URI starts one run (aws s3 cp <file> <this URI>)');
  output('ReportsBucketName', parts.reportsBucket.bucketName,
    `Reports bucket: each run's reports land under ${literal(parts.reportsPrefix, 'the reports prefix')}runs/<run id>/out/`);
  output('ReportsLocation', `s3://${parts.reportsBucket.bucketName}/${parts.reportsPrefix}runs/`,
    "Where reports land: <this URI><run id>/out/ holds one run's reports (aws s3 ls <this URI>)");
  output('StateMachineArn', parts.stateMachine.stateMachineArn,
    'State machine: one execution per upload, named after the run id; failed executions sent one notification each');
  output('NotificationTopicArn', parts.notificationTopic.topicArn,
    'Notification topic: one message per failed run; subscribe to it (email, SQS, ...)');
  output('JobLogGroupName', parts.jobLogGroup.logGroupName,
    "Log group of the Batch jobs: each job attempt writes one stream, job/default/<ECS task id> (the job's log stream name)");
  if (parts.dashboard) {
    output('DashboardName', parts.dashboard.dashboardName,
      'CloudWatch dashboard: runs, run duration, undelivered notifications, trigger errors, dead letters and alarms');
  }
  if (parts.desktopStackName) {
    output('DesktopStackName', parts.desktopStackName,
      'AppStream 2.0 stack of the quality-control desktop: assign users to it');
  }
}

/**
 * Two pipelines of one stack whose ids give the same output names (same id in different scopes)
 * would fail at synthesis with "section 'Outputs' already contains ..."; say it here, with what to do.
 */
function refuseTakenNames(pipeline: Construct, prefix: string): void {
  const stack = Stack.of(pipeline);
  const first = `${prefix}${OUTPUT_NAMES[0]}`;
  const taken = stack.node.findAll().some((construct) => construct instanceof CfnOutput && stack.resolve(construct.logicalId) === first);
  if (taken) {
    throw invalid(ConstructErrors.of(pipeline, 'BatchPipeline'), 'outputs', true,
      `false, or a construct id that no other BatchPipeline of stack '${stack.stackName}' has (its outputs are named after the id, `
        + `such as ${first})`);
  }
}

/** The prefix as text for a description, or a name for it when it is a token. */
function literal(prefix: string, name: string): string {
  return Token.isUnresolved(prefix) ? `<${name}>` : prefix;
}
