import { IBatchProcessor, RunContract } from '@batch-pipeline/batch';
import { StageInTransfer, StageOutTransfer, TransferFilter } from '@batch-pipeline/datasync';
import { IPipelineNetwork, NagAcknowledgements } from '@batch-pipeline/network';
import { Aws, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ALARM_PERIOD, atLeastOnceAlarm, allowServicesToPublish, routeAlarms } from './private/alarms';
import { constructLabel } from './private/construct-label';
import { grantProcessJob, processJobState } from './private/process-job';
import { TransferStage } from './private/transfer-stage';
import { RunWorkspaceFunction } from './workspace/run-workspace-function';
import { WORKSPACE_MOUNT_PATH } from './workspace/run-workspace.lambda';

/** The steps of a run, as named in failure notifications (`failedStep`). */
export enum PipelineStep {
  STAGE_IN = 'stage in',
  PREPARE = 'prepare',
  PROCESS = 'process',
  STAGE_OUT = 'stage out',
  CLEAN_UP = 'clean up',
}

export interface PipelineStateMachineProps {
  /** Copies the uploaded object onto EFS. Its S3 subdirectory must be the trigger's prefix. */
  readonly stageIn: StageInTransfer;

  /** Runs the job. */
  readonly processor: IBatchProcessor;

  /** Copies the run's output directory to the reports bucket. It must read EFS from the access point root. */
  readonly stageOut: StageOutTransfer;

  /** The access point every component mounts; the workspace function moves and removes run files through it. */
  readonly accessPoint: efs.IAccessPoint;

  /**
   * Where the workspace function runs (the network's private subnets).
   * Give either this or `vpc`.
   *
   * @default - use `vpc`
   */
  readonly network?: IPipelineNetwork;

  /**
   * The VPC of the workspace function, when no `network` is given.
   *
   * @default - use `network`
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of the workspace function, with `vpc`.
   *
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The topic failure notifications go to.
   *
   * @default - a new topic encrypted with a new KMS key (rotation on), TLS enforced
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * Publish a success message for every run that completes, to this topic.
   *
   * @default - no success notification
   */
  readonly successTopic?: sns.ITopic;

  /**
   * How long to wait between two status checks of a DataSync execution.
   *
   * @default Duration.seconds(15)
   */
  readonly pollInterval?: Duration;

  /**
   * How long stage-in may take, queueing included.
   *
   * @default Duration.hours(1)
   */
  readonly stageInTimeout?: Duration;

  /**
   * How long the Batch job may take, waiting for capacity included. It must be at
   * least the processor's `maxJobDuration` (attempts x attempt timeout): a shorter
   * step would stop a job that Batch is still allowed to run or retry.
   *
   * @default - the processor's `maxJobDuration` plus 30 minutes for queueing (2 hours when that is a deploy-time value)
   */
  readonly processTimeout?: Duration;

  /**
   * How long stage-out may take, queueing included.
   *
   * @default Duration.hours(1)
   */
  readonly stageOutTimeout?: Duration;

  /**
   * How long a whole run may take. It must not be shorter than the steps together.
   *
   * @default - the steps' timeouts together plus 15 minutes
   */
  readonly runTimeout?: Duration;

  /**
   * Where the alarms on failed and timed-out runs send their state changes.
   *
   * @default - no alarm actions; the alarms are exposed for you to route
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * How long execution logs and workspace function logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Whether a stage-in that reads the whole upload bucket (no `sourcePrefix`)
   * is meant: then every object uploaded anywhere in that bucket starts a run.
   *
   * @default false - a stage-in without `sourcePrefix` is refused
   */
  readonly watchWholeBucket?: boolean;
}

/** Where the metric of failure notifications that could not be published lives. */
export const UNDELIVERED_NOTIFICATIONS_METRIC = { namespace: 'BatchPipeline', metricName: 'UndeliveredNotifications' } as const;

const EVENTBRIDGE_SERVICE = 'events.amazonaws.com';

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

/** Time a job may spend queued and starting, over all its attempts, on top of its attempts' run time. */
const PROCESS_QUEUE_MARGIN = Duration.minutes(30);
/** The process step's timeout when the processor's job duration is only known at deploy time. */
const FALLBACK_PROCESS_TIMEOUT = Duration.hours(2);

/** Every attempt of the job may run to its timeout, and then some time goes to queueing. */
function defaultProcessTimeout(processor: IBatchProcessor): Duration {
  return processor.maxJobDuration.isUnresolved() ? FALLBACK_PROCESS_TIMEOUT : processor.maxJobDuration.plus(PROCESS_QUEUE_MARGIN);
}

const MIN_POLL_SECONDS = 1;
const MAX_POLL_SECONDS = 300;
const API_CALL_TIMEOUT = Duration.seconds(60);
const RUN_TIMEOUT_MARGIN = Duration.minutes(15);

/**
 * The Standard workflow that turns one upload into one report:
 * stage in (DataSync S3 -> EFS, only the uploaded object) -> prepare (move the
 * file into `/runs/<runId>/in/`) -> process (Batch job, `.sync`) -> stage out
 * (DataSync EFS -> S3, only `/runs/<runId>/out/`) -> clean up (remove
 * `/runs/<runId>`). Every step has a timeout and the run has one; any failure
 * publishes exactly one notification naming the run, the input, the failed
 * step, the error and the cause, then fails the execution. The upload is never touched.
 *
 * Executions are named after the run id and take the trigger's input:
 * `{ runId, bucket, key, versionId, size, relativeKey, fileName }`.
 */
export class PipelineStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  /** The topic failure notifications go to. */
  public readonly notificationTopic: sns.ITopic;
  /** The function that prepares and cleans up run directories on EFS. */
  public readonly workspaceFunction: lambda.IFunction;
  /** Execution logs. */
  public readonly logGroup: logs.ILogGroup;
  /** Alarm on runs that failed, in 5-minute periods. */
  public readonly failedRunsAlarm: cloudwatch.Alarm;
  /** Alarm on runs that hit the run timeout or were aborted. */
  public readonly timedOutRunsAlarm: cloudwatch.Alarm;
  /** Alarm on failure notifications that could not be published to the notification topic. */
  public readonly undeliveredNotificationsAlarm: cloudwatch.Alarm;
  /** The bucket whose uploads start runs: the stage-in's source. */
  public readonly uploadBucket: s3.IBucket;
  /** The key prefix whose uploads start runs (`incoming/`, or `''` for the whole bucket): the stage-in's source prefix. */
  public readonly uploadPrefix: string;
  /** Polls after which each DataSync stage gives up (its timeout divided by the poll interval). */
  public readonly stageInMaxPolls: number;
  public readonly stageOutMaxPolls: number;

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    const pollInterval = props.pollInterval ?? Duration.seconds(15);
    const stageInTimeout = props.stageInTimeout ?? Duration.hours(1);
    const processTimeout = props.processTimeout ?? defaultProcessTimeout(props.processor);
    const stageOutTimeout = props.stageOutTimeout ?? Duration.hours(1);
    const stepsTotal = Duration.seconds(stageInTimeout.toSeconds() + processTimeout.toSeconds() + stageOutTimeout.toSeconds());
    const runTimeout = props.runTimeout ?? stepsTotal.plus(RUN_TIMEOUT_MARGIN);
    this.validate(props, pollInterval, [['stageInTimeout', stageInTimeout], ['processTimeout', processTimeout], ['stageOutTimeout', stageOutTimeout]], runTimeout, stepsTotal);
    this.validateProcessTimeout(props.processor, processTimeout);
    this.uploadBucket = props.stageIn.sourceLocation.bucket;
    // Stage-in's S3 subdirectory is '/incoming/' (or '/'); the upload prefix is its key form.
    this.uploadPrefix = props.stageIn.sourceLocation.subdirectory.slice(1);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;

    this.notificationTopic = props.notificationTopic ?? this.createTopic();
    this.workspaceFunction = this.createWorkspaceFunction(props, logRetention);

    const stagedPath = sfn.JsonPath.format(`${props.stageIn.destinationLocation.subdirectory}{}`, sfn.JsonPath.stringAt('$.relativeKey'));
    const workspaceCall = (stateName: string, payload: Record<string, unknown>, resultSelector: Record<string, string>, resultPath: string) =>
      new tasks.LambdaInvoke(this, stateName, {
        lambdaFunction: this.workspaceFunction,
        payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$.runId'), stagedPath, ...payload }),
        resultSelector,
        resultPath,
        taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
      });

    // The chain is built from its end, so that each step knows where it continues.
    const runFailed = new sfn.Fail(this, 'Run failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const notifyFailure = new tasks.SnsPublish(this, 'Notify failure', {
      topic: this.notificationTopic,
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
    // A notification that cannot be published must not vanish: the error stays in the
    // execution's data and logs, a metric counts it and an alarm watches that metric.
    // Even then the run ends.
    notifyFailure.addCatch(this.countUndeliveredNotification(runFailed), { resultPath: '$.notificationError' });
    notifyFailure.next(runFailed);

    // A failed run leaves nothing on EFS: its staged file and run directory go before the
    // notification (the upload stays in S3, so the run can be started again). A clean-up that
    // fails is reported in the notification instead.
    const cleanUpAfterFailure = workspaceCall('Clean up after failure', { action: 'cleanup' },
      { 'removed.$': '$.Payload.removed' }, '$.failureCleanUp');
    cleanUpAfterFailure.addCatch(notifyFailure, { resultPath: '$.failureCleanUp' });
    cleanUpAfterFailure.next(notifyFailure);
    // One 'Failed: <step>' state per step, however many states of that step fail into it.
    const failedStates = new Map<PipelineStep, sfn.State>();
    const failedAt = (step: PipelineStep): sfn.State => {
      if (!failedStates.has(step)) {
        const failed = new sfn.Pass(this, `Failed: ${step}`, { result: sfn.Result.fromString(step), resultPath: '$.failedStep' });
        failed.next(cleanUpAfterFailure);
        failedStates.set(step, failed);
      }
      return failedStates.get(step)!;
    };

    const runSucceeded = new sfn.Succeed(this, 'Run succeeded');
    const reportPrefix = `${props.stageOut.destinationLocation.subdirectory.slice(1)}runs/`;
    let afterCleanUp: sfn.IChainable = runSucceeded;
    if (props.successTopic) {
      const notifySuccess = new tasks.SnsPublish(this, 'Notify success', {
        topic: props.successTopic,
        subject: 'batch-pipeline run succeeded',
        message: sfn.TaskInput.fromObject({
          runId: sfn.JsonPath.stringAt('$.runId'),
          bucket: sfn.JsonPath.stringAt('$.bucket'),
          key: sfn.JsonPath.stringAt('$.key'),
          reportBucket: props.stageOut.destinationLocation.bucket.bucketName,
          reportPrefix: sfn.JsonPath.format(`${reportPrefix}{}/out/`, sfn.JsonPath.stringAt('$.runId')),
          execution: sfn.JsonPath.executionId,
        }),
        resultPath: sfn.JsonPath.DISCARD,
        taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
      });
      // The report has landed; a lost success message does not fail the run.
      notifySuccess.addCatch(runSucceeded, { resultPath: '$.notificationError' });
      afterCleanUp = notifySuccess.next(runSucceeded);
    }

    const cleanUp = workspaceCall('Clean up', { action: 'cleanup' }, { 'removed.$': '$.Payload.removed' }, '$.cleanUp');
    cleanUp.addCatch(failedAt(PipelineStep.CLEAN_UP), { resultPath: '$.error' });
    cleanUp.next(afterCleanUp);

    const stageOut = new TransferStage(this, 'StageOut', {
      stepName: 'Stage out',
      statePath: '$.stageOut',
      taskArn: props.stageOut.taskArn,
      includes: props.stageOut.includeRunOutput(sfn.JsonPath.stringAt('$.runId'), { runsDirectory: RunContract.RUNS_DIRECTORY }),
      pollInterval,
      timeout: stageOutTimeout,
      onFailure: failedAt(PipelineStep.STAGE_OUT),
      next: cleanUp,
    });
    this.stageOutMaxPolls = stageOut.maxPolls;

    const processJob = processJobState(this, constructLabel(this, 'PipelineStateMachine'), props.processor, processTimeout);
    processJob.addCatch(failedAt(PipelineStep.PROCESS), { resultPath: '$.error' });
    processJob.next(stageOut.startState);

    const prepare = workspaceCall('Prepare', { action: 'prepare', fileName: sfn.JsonPath.stringAt('$.fileName') },
      { 'inputPath.$': '$.Payload.inputPath', 'outputDirectory.$': '$.Payload.outputDirectory' }, '$.workspace');
    prepare.addCatch(failedAt(PipelineStep.PREPARE), { resultPath: '$.error' });
    prepare.next(processJob);

    const stageIn = new TransferStage(this, 'StageIn', {
      stepName: 'Stage in',
      statePath: '$.stageIn',
      taskArn: props.stageIn.taskArn,
      // The trigger passes the key relative to the stage-in prefix, which is what the filter needs.
      includes: TransferFilter.includeObject(sfn.JsonPath.stringAt('$.relativeKey')),
      pollInterval,
      timeout: stageInTimeout,
      onFailure: failedAt(PipelineStep.STAGE_IN),
      next: prepare,
    });
    this.stageInMaxPolls = stageIn.maxPolls;
    const prepareStaging = workspaceCall('Prepare staging',
      { action: 'prepare-staging', stagingDirectory: props.stageIn.destinationLocation.subdirectory },
      { 'stagingDirectory.$': '$.Payload.stagingDirectory' }, sfn.JsonPath.DISCARD);
    prepareStaging.addCatch(failedAt(PipelineStep.STAGE_IN), { resultPath: '$.error' });
    prepareStaging.next(stageIn.startState);

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${this.node.addr}`,
      retention: logRetention,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(prepareStaging),
      comment: 'batch-pipeline: one upload, one run (stage in, prepare, process, stage out, clean up)',
      timeout: runTimeout,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    props.stageIn.grantStartExecution(this.stateMachine);
    props.stageIn.grantCancelExecution(this.stateMachine);
    props.stageOut.grantStartExecution(this.stateMachine);
    props.stageOut.grantCancelExecution(this.stateMachine);
    grantProcessJob(this.stateMachine.role, props.processor);
    // SnsPublish grants sns:Publish only; the L2 grant adds the key half
    // (kms:GenerateDataKey*, kms:Decrypt) that SNS requires of a publisher to an encrypted topic.
    this.notificationTopic.grantPublish(this.stateMachine);
    props.successTopic?.grantPublish(this.stateMachine);
    // Run timeouts reach the topic through EventBridge, whose service principal needs the key too.
    allowServicesToPublish(this.notificationTopic, [EVENTBRIDGE_SERVICE]);
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: [NO_RESOURCE_LEVEL_PERMISSIONS],
      conditions: { StringEquals: { 'cloudwatch:namespace': UNDELIVERED_NOTIFICATIONS_METRIC.namespace } },
    }));

    this.notifyOnRunTimeout();
    this.failedRunsAlarm = atLeastOnceAlarm(this, 'FailedRunsAlarm',
      this.stateMachine.metricFailed({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
      'at least one run failed in the last 5 minutes (each also sent a notification)');
    this.timedOutRunsAlarm = atLeastOnceAlarm(this, 'TimedOutRunsAlarm',
      new cloudwatch.MathExpression({
        expression: 'timedOut + aborted',
        usingMetrics: {
          timedOut: this.stateMachine.metricTimedOut({ statistic: cloudwatch.Stats.SUM }),
          aborted: this.stateMachine.metricAborted({ statistic: cloudwatch.Stats.SUM }),
        },
        period: ALARM_PERIOD,
      }),
      'at least one run hit the run timeout or was aborted in the last 5 minutes');
    this.undeliveredNotificationsAlarm = atLeastOnceAlarm(this, 'UndeliveredNotificationsAlarm',
      this.metricUndeliveredNotifications(),
      'a failure notification could not be published to the notification topic (the run\'s error is in its execution history)');
    routeAlarms([this.failedRunsAlarm, this.timedOutRunsAlarm, this.undeliveredNotificationsAlarm], props.alarmTopic,
      'Every failed run already sends its own notification; set alarmTopic to route the alarm as well.');
    this.acknowledgeFindings();
  }

  /** Failure notifications that could not be published, summed over 5 minutes. */
  public metricUndeliveredNotifications(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      ...UNDELIVERED_NOTIFICATIONS_METRIC,
      dimensionsMap: { StateMachineArn: this.stateMachine.stateMachineArn },
      statistic: cloudwatch.Stats.SUM,
      period: ALARM_PERIOD,
      ...props,
    });
  }

  /** Lets `grantee` start runs by hand, for example to re-run an upload. */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  private createTopic(): sns.ITopic {
    const key = new kms.Key(this, 'NotificationKey', {
      enableKeyRotation: true,
      description: 'batch-pipeline failure notifications',
    });
    return new sns.Topic(this, 'NotificationTopic', {
      displayName: 'batch-pipeline failures',
      masterKey: key,
      enforceSSL: true,
    });
  }

  private createWorkspaceFunction(props: PipelineStateMachineProps, logRetention: logs.RetentionDays): lambda.IFunction {
    const vpc = props.network?.vpc ?? props.vpc!;
    const vpcSubnets = props.network?.privateSubnets ?? props.vpcSubnets;
    const securityGroup = new ec2.SecurityGroup(this, 'WorkspaceSecurityGroup', {
      vpc,
      description: 'batch-pipeline workspace function: NFS to the file system only',
      allowAllOutbound: false,
    });
    const logGroup = new logs.LogGroup(this, 'WorkspaceLogs', { retention: logRetention });
    // An own role instead of the managed VPC access policy: network interface
    // calls are limited to this account and region, logs to this log group.
    const role = new iam.Role(this, 'WorkspaceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'batch-pipeline workspace function: mount the pipeline access point, manage its VPC network interfaces, write its logs',
    });
    logGroup.grantWrite(role);
    const inThisAccountAndRegion = Stack.of(this).formatArn({ service: 'ec2', resource: '*' });
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: [inThisAccountAndRegion],
    }));
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['ec2:DescribeNetworkInterfaces'],
      resources: [NO_RESOURCE_LEVEL_PERMISSIONS],
    }));
    const fn = new RunWorkspaceFunction(this, 'WorkspaceFunction', {
      role,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      vpc,
      vpcSubnets,
      securityGroups: [securityGroup],
      filesystem: lambda.FileSystem.fromEfsAccessPoint(props.accessPoint, WORKSPACE_MOUNT_PATH),
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { WORKSPACE_MOUNT_PATH, NODE_OPTIONS: '--enable-source-maps' },
      description: 'batch-pipeline: prepares and removes run directories on the pipeline file system',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeNetworkInterfaces has no resource-level permissions; Lambda needs it to attach the function to the VPC.',
    });
    NagAcknowledgements.acknowledgeWildcardResource(role, inThisAccountAndRegion,
      'Lambda creates and deletes the function\'s network interfaces in subnets and security groups it chooses; the actions are limited to this account and region.');
    Validations.of(role).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason: 'The inline policy is generated by CDK grants and names exactly this log group and file system (through the access point).',
    });
    Validations.of(logGroup).acknowledge({
      id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      reason: 'Workspace logs hold run ids and paths only and are encrypted with the CloudWatch Logs service key.',
    });
    Validations.of(fn).acknowledge({
      id: 'NIST.800.53.R5-LambdaDLQ',
      reason: 'The state machine invokes the function synchronously and handles its errors; there is no asynchronous invocation to dead-letter.',
    });
    Validations.of(fn).acknowledge({
      id: 'NIST.800.53.R5-LambdaConcurrency',
      reason: 'Concurrency follows the number of runs, which the trigger\'s reserved concurrency caps; a second cap here would fail runs instead of queueing them.',
    });
    return fn;
  }

  /**
   * The path of a failure notification that could not be published: one data
   * point of `UndeliveredNotifications` for this state machine, then the run fails
   * with its own error. If even the metric cannot be written, the run still fails.
   */
  private countUndeliveredNotification(runFailed: sfn.Fail): sfn.State {
    // A custom state, because the CDK task would grant PutMetricData without the namespace condition.
    const count = new sfn.CustomState(this, 'Count undelivered notification', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:cloudwatch:putMetricData`,
        Parameters: {
          Namespace: UNDELIVERED_NOTIFICATIONS_METRIC.namespace,
          MetricData: [{
            MetricName: UNDELIVERED_NOTIFICATIONS_METRIC.metricName,
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

  /**
   * A run that hits the run timeout, or is aborted by hand, ends without
   * reaching the failure states; EventBridge reports it to the same topic.
   * Failed runs are not matched: they already sent their notification.
   */
  private notifyOnRunTimeout(): void {
    new events.Rule(this, 'RunTimedOutRule', {
      description: 'batch-pipeline: notify when a run hits the run timeout or is aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: ['TIMED_OUT', 'ABORTED'] },
      },
      targets: [new targets.SnsTopic(this.notificationTopic, {
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

  private acknowledgeFindings(): void {
    const role = this.stateMachine.role;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray trace upload, CloudWatch Logs delivery management, batch:DescribeJobs (for .sync) and cloudwatch:PutMetricData (limited to the BatchPipeline namespace by a condition) have no resource-level permissions.',
    });
    Validations.of(role).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason: 'The inline policy is generated from the workflow\'s tasks and names exactly the two DataSync tasks, the job queue and definition, the workspace function and the topic.',
    });
    Validations.of(this.logGroup).acknowledge({
      id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      reason: 'Execution logs are encrypted with the CloudWatch Logs service key.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: 'The key half of topic.grantPublish: SNS generates a data key as the publisher of an encrypted topic; the grant is on the topic\'s own key only.',
    });
    NagAcknowledgements.acknowledgeWildcardResource(role, `${this.workspaceFunction.functionArn}:*`,
      'Step Functions may invoke any version of the workspace function (the grant CDK makes for lambda:invoke); it is this one function.');
    NagAcknowledgements.acknowledgeWildcardResource(role, Stack.of(this).formatArn({ service: 'batch', resource: 'job', resourceName: '*' }),
      'Step Functions terminates the run\'s Batch job when the process step times out; job ids are only known at run time, and the ARN is limited to this account and region.');
  }

  /**
   * The process step waits for the whole job: every attempt Batch makes may run
   * for the attempt timeout, so a shorter step would give up on a job that is
   * still allowed to run (and stop it while Batch would still retry it).
   */
  private validateProcessTimeout(processor: IBatchProcessor, processTimeout: Duration): void {
    const jobMaximum = processor.maxJobDuration;
    if (processTimeout.isUnresolved() || jobMaximum.isUnresolved()) {
      return;
    }
    if (processTimeout.toSeconds({ integral: false }) < jobMaximum.toSeconds({ integral: false })) {
      const name = constructLabel(this, 'PipelineStateMachine');
      const processorPath = Construct.isConstruct(processor) ? processor.node.path : processor.jobDefinition.node.path;
      throw new Error(`${name}: 'processTimeout' ${processTimeout.toHumanString()} is shorter than the job may run `
        + `(${processor.attempts} attempts x ${processor.attemptTimeout.toHumanString()} = ${jobMaximum.toHumanString()} on ${processorPath}); `
        + `allowed: at least ${jobMaximum.toHumanString()} (leave it out for that plus ${PROCESS_QUEUE_MARGIN.toHumanString()} for queueing), or fewer 'retryAttempts' or a shorter 'timeout' on the processor`);
    }
  }

  private validate(
    props: PipelineStateMachineProps,
    pollInterval: Duration,
    stepTimeouts: Array<[string, Duration]>,
    runTimeout: Duration,
    stepsTotal: Duration,
  ): void {
    const name = constructLabel(this, 'PipelineStateMachine');
    if (!pollInterval.isUnresolved()) {
      const seconds = pollInterval.toSeconds({ integral: false });
      if (!Number.isInteger(seconds) || seconds < MIN_POLL_SECONDS || seconds > MAX_POLL_SECONDS) {
        throw new Error(`${name}: 'pollInterval' ${pollInterval.toHumanString()} is not valid; allowed: whole seconds from ${MIN_POLL_SECONDS} to ${MAX_POLL_SECONDS}`);
      }
    }
    for (const [prop, timeout] of stepTimeouts) {
      if (!timeout.isUnresolved() && timeout.toSeconds({ integral: false }) < pollInterval.toSeconds({ integral: false })) {
        throw new Error(`${name}: '${prop}' ${timeout.toHumanString()} is not valid; allowed: at least 'pollInterval' (${pollInterval.toHumanString()})`);
      }
    }
    if (!runTimeout.isUnresolved() && runTimeout.toSeconds() < stepsTotal.toSeconds()) {
      throw new Error(`${name}: 'runTimeout' ${runTimeout.toHumanString()} is shorter than the step timeouts together (${stepsTotal.toHumanString()}); allowed: at least that`);
    }
    if ((props.network === undefined) === (props.vpc === undefined)) {
      throw new Error(`${name}: give exactly one of 'network' and 'vpc' for the workspace function; got ${props.network ? 'both' : 'neither'}`);
    }
    const stageInSource = props.stageIn.sourceLocation.subdirectory;
    if (Token.isUnresolved(stageInSource)) {
      throw new Error(`${name}: the stage-in prefix of ${props.stageIn.node.path} is an unresolved token; allowed: a plain prefix such as 'incoming/', which the trigger must know at synth time`);
    }
    if (stageInSource === '/' && !props.watchWholeBucket) {
      throw new Error(`${name}: the stage-in ${props.stageIn.node.path} reads the whole upload bucket (it has no 'sourcePrefix'), so every object uploaded anywhere in it would start a run; `
        + 'allowed: a stage-in with a \'sourcePrefix\' such as \'incoming/\', or \'watchWholeBucket\' true if that is meant');
    }
    const stagingDirectory = props.stageIn.destinationLocation.subdirectory;
    if (!Token.isUnresolved(stagingDirectory) && (stagingDirectory === '/' || stagingDirectory === `${RunContract.RUNS_DIRECTORY}/` || stagingDirectory.startsWith(`${RunContract.RUNS_DIRECTORY}/`))) {
      throw new Error(`${name}: the stage-in ${props.stageIn.node.path} writes to '${stagingDirectory}', where an upload could land inside a run directory; allowed: a directory outside ${RunContract.RUNS_DIRECTORY}, such as '/staging'`);
    }
    const stageOutSource = props.stageOut.sourceLocation.subdirectory;
    if (!Token.isUnresolved(stageOutSource) && stageOutSource !== '/') {
      throw new Error(`${name}: the stage-out transfer reads EFS from '${stageOutSource}'; allowed: '/' (the access point root), because run directories live under ${RunContract.RUNS_DIRECTORY}`);
    }
  }
}

/** IAM's way to say "every resource" for actions that cannot be scoped to one. */
const NO_RESOURCE_LEVEL_PERMISSIONS = '*';
