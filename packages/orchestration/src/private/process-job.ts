import { IBatchProcessor, RunContract } from '@batch-pipeline/batch';
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The rule Step Functions manages to learn when a Batch job of a `.sync` task ends. */
const BATCH_SYNC_RULE = 'StepFunctionsGetEventsForBatchJobsRule';

/**
 * The cost allocation tag each run's Batch job carries (value: the run id), which the job passes
 * to its Fargate task: activated in Billing, it splits the tasks' vCPU and memory hours per run.
 * A run id (letters, digits, `-` and `_`, at most 80 characters) is always a valid tag value.
 */
export const RUN_TAG = 'batch-pipeline:run';

/**
 * The Process state: Batch SubmitJob `.sync` with the run contract as the
 * job's environment. Written as a custom state because the CDK task grants
 * `batch:SubmitJob` on every job definition of the account; `grantProcessJob`
 * grants exactly what this state needs instead.
 */
export function processJobState(scope: Construct, who: string, processor: IBatchProcessor, timeout: Duration): sfn.CustomState {
  const mountPath = processor.mountPath;
  if (/['{}\\]/.test(mountPath)) {
    throw new Error(`${who}: the job's mount path ${mountPath} contains ' { } or \\, which States.Format cannot hold; allowed: a path without them`);
  }
  const environment: Array<Record<string, string>> = [
    { 'Name': RunContract.RUN_ID, 'Value.$': '$.runId' },
    { 'Name': RunContract.INPUT_PATH, 'Value.$': `States.Format('${mountPath}{}', $.workspace.inputPath)` },
    { 'Name': RunContract.OUTPUT_DIR, 'Value.$': `States.Format('${mountPath}{}', $.workspace.outputDirectory)` },
    { 'Name': RunContract.SOURCE_BUCKET, 'Value.$': '$.bucket' },
    { 'Name': RunContract.SOURCE_KEY, 'Value.$': '$.key' },
  ];
  return new sfn.CustomState(scope, 'Process', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Aws.PARTITION}:states:::batch:submitJob.sync`,
      Parameters: {
        'JobName.$': '$.runId',
        'JobQueue': processor.jobQueue.jobQueueArn,
        'JobDefinition': processor.jobDefinition.jobDefinitionArn,
        'ContainerOverrides': { Environment: environment },
        // The run's tag on the job and, with the job definition's tags, on its Fargate task.
        'Tags': { [`${RUN_TAG}.$`]: '$.runId' },
        'PropagateTags': true,
      },
      ResultSelector: { 'jobId.$': '$.JobId', 'status.$': '$.Status' },
      ResultPath: '$.process',
      TimeoutSeconds: timeout.toSeconds(),
    },
  });
}

/**
 * What the Process state needs: submit this job definition to this queue,
 * tag the job it creates (a SubmitJob with tags is also authorized as
 * batch:TagResource on the new job, limited here to the run tag's key),
 * follow the job (DescribeJobs has no resource-level permissions), terminate
 * it when the step times out, and the managed EventBridge rule of `.sync`.
 */
export function grantProcessJob(grantee: iam.IGrantable, processor: IBatchProcessor): void {
  const stack = Stack.of(processor.jobQueue);
  processor.grantSubmitJob(grantee);
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['batch:TagResource'],
    resources: [stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' })],
    conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [RUN_TAG] } },
  }));
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['batch:DescribeJobs'],
    resources: ['*'],
  }));
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['batch:TerminateJob'],
    resources: [stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' })],
  }));
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
    resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: BATCH_SYNC_RULE })],
  }));
}
