import { IBatchProcessor, RunContract } from '@batch-pipeline/batch';
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The rule Step Functions manages to learn when a Batch job of a `.sync` task ends. */
const BATCH_SYNC_RULE = 'StepFunctionsGetEventsForBatchJobsRule';

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
      },
      ResultSelector: { 'jobId.$': '$.JobId', 'status.$': '$.Status' },
      ResultPath: '$.process',
      TimeoutSeconds: timeout.toSeconds(),
    },
  });
}

/**
 * What the Process state needs: submit this job definition to this queue,
 * follow the job (DescribeJobs has no resource-level permissions), terminate
 * it when the step times out, and the managed EventBridge rule of `.sync`.
 */
export function grantProcessJob(grantee: iam.IGrantable, processor: IBatchProcessor): void {
  const stack = Stack.of(processor.jobQueue);
  processor.grantSubmitJob(grantee);
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
