import { IBatchProcessor } from '@batch-pipeline/batch';
import { StageInTransfer, StageOutTransfer } from '@batch-pipeline/datasync';
import { IPipelineNetwork } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PipelineStep } from './pipeline-step';
import { ALARM_PERIOD } from './private/alarms';
import { FailurePath, UNDELIVERED_NOTIFICATIONS } from './private/failure-path';
import { assertWithinHistoryLimit, totalEvents } from './private/history-budget';
import { processPart } from './private/process-part';
import { createRunAlarms, notifyOnRunTimeout } from './private/run-alarms';
import { runEnd } from './private/run-end';
import { chainParts } from './private/run-part';
import { stagedPathOf, stageInPart } from './private/stage-in-part';
import { stageOutPart } from './private/stage-out-part';
import { resolveRunPlan, stagesThroughDataSync } from './private/staging-plan';
import { acknowledgeStateMachineFindings, createNotificationTopic, grantRunPermissions } from './private/state-machine-permissions';
import { WorkspaceCalls } from './private/workspace-call';
import { createWorkspaceFunction } from './private/workspace-function';
import { StagingStrategy } from './staging-strategy';

export { PipelineStep } from './pipeline-step';
export { StagingStrategy } from './staging-strategy';

/**
 * The options of the state machine that a composite (such as `BatchPipeline`) passes through as
 * they are: staging, poll schedule, timeouts, topics and logs, without the parts it wires
 * (transfers, processor, buckets, prefixes, access point, network, notification topic).
 */
export interface PipelineStateMachineOptions {
  /**
   * How runs copy uploads onto EFS and outputs to the reports bucket.
   *
   * @default StagingStrategy.AUTO
   */
  readonly staging?: StagingStrategy;

  /**
   * `AUTO` copies an upload of at most this size directly and a larger one with
   * DataSync, and uploads an output directory of at most this size directly.
   * A direct copy must fit the workspace function's 15-minute timeout twice over at
   * 20 MiB/s, a conservative single-stream S3 rate: at most 9000 MiB.
   *
   * @default Size.gibibytes(4)
   */
  readonly directStagingThreshold?: Size;

  /**
   * Publish a success message for every run that completes, to this topic.
   *
   * @default - no success notification
   */
  readonly successTopic?: sns.ITopic;

  /**
   * How long to wait before the first status check of a DataSync execution.
   * Each later wait doubles, up to `maxPollInterval`.
   *
   * @default Duration.seconds(5)
   */
  readonly pollInterval?: Duration;

  /**
   * The longest wait between two status checks of a DataSync execution.
   *
   * @default Duration.minutes(5)
   */
  readonly maxPollInterval?: Duration;

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
}

export interface PipelineStateMachineProps extends PipelineStateMachineOptions {
  /** Runs the job. */
  readonly processor: IBatchProcessor;

  /**
   * Copies uploads onto EFS with DataSync. Its S3 subdirectory is the prefix the
   * trigger watches. Required unless `staging` is `DIRECT`.
   *
   * @default - none: only with `StagingStrategy.DIRECT`, then give `uploadBucket`
   */
  readonly stageIn?: StageInTransfer;

  /**
   * Copies the run's output directory to the reports bucket with DataSync. It must
   * read EFS from the access point root. Required unless `staging` is `DIRECT`.
   *
   * @default - none: only with `StagingStrategy.DIRECT`, then give `reportsBucket`
   */
  readonly stageOut?: StageOutTransfer;

  /**
   * The bucket uploads arrive in, when there is no `stageIn` (`DIRECT` staging).
   * With a `stageIn`, it must be the stage-in's source bucket.
   *
   * @default - the stage-in's source bucket
   */
  readonly uploadBucket?: s3.IBucket;

  /**
   * The key prefix whose uploads start runs (ends with `/`), when there is no `stageIn`.
   * With a `stageIn`, it must be the stage-in's source prefix.
   *
   * @default - the stage-in's source prefix; without a stage-in, the whole bucket (see `watchWholeBucket`)
   */
  readonly uploadPrefix?: string;

  /**
   * The bucket reports go to, when there is no `stageOut` (`DIRECT` staging).
   * With a `stageOut`, it must be the stage-out's destination bucket.
   *
   * @default - the stage-out's destination bucket
   */
  readonly reportsBucket?: s3.IBucket;

  /**
   * The key prefix reports go under (ends with `/`); each run writes below
   * `<reportsPrefix>runs/<runId>/out/`. With a `stageOut`, it must be the
   * stage-out's destination prefix.
   *
   * @default - the stage-out's destination prefix; without a stage-out, 'reports/'
   */
  readonly reportsPrefix?: string;

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
   * Whether a stage-in that reads the whole upload bucket (no `sourcePrefix`)
   * is meant: then every object uploaded anywhere in that bucket starts a run.
   *
   * @default false - a stage-in without `sourcePrefix` is refused
   */
  readonly watchWholeBucket?: boolean;
}

/** Where the metric of failure notifications that could not be published lives. */
export const UNDELIVERED_NOTIFICATIONS_METRIC = UNDELIVERED_NOTIFICATIONS;

/**
 * The Standard workflow that turns one upload into one report:
 * stage in (the workspace function copies exactly the uploaded version into
 * `/runs/<runId>/in/`, or DataSync copies it to the staging directory and the
 * workspace function moves it there) -> process (Batch job, `.sync`) -> stage
 * out (the workspace function uploads `/runs/<runId>/out/`, or DataSync copies
 * it) -> clean up (remove `/runs/<runId>`). `staging` chooses per run (see
 * `StagingStrategy`). Every step has a timeout and the run has one; the worst
 * case of a configuration in history events is checked at synth time. Any
 * failure removes the run's files, publishes exactly one notification naming the
 * run, the input, the failed step, the error and the cause, then fails the
 * execution. The upload is never touched.
 *
 * Executions are named after the run id and take the trigger's input:
 * `{ runId, bucket, key, versionId, size, relativeKey, fileName, transferSlot }`.
 */
export class PipelineStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  /** The topic failure notifications go to. */
  public readonly notificationTopic: sns.ITopic;
  /** The function that stages files directly and prepares and cleans up run directories on EFS. */
  public readonly workspaceFunction: lambda.IFunction;
  /** Execution logs. */
  public readonly logGroup: logs.ILogGroup;
  /** Alarm on runs that failed, in 5-minute periods. */
  public readonly failedRunsAlarm: cloudwatch.Alarm;
  /** Alarm on runs that hit the run timeout or were aborted. */
  public readonly timedOutRunsAlarm: cloudwatch.Alarm;
  /** Alarm on failure notifications that could not be published to the notification topic. */
  public readonly undeliveredNotificationsAlarm: cloudwatch.Alarm;
  /** The bucket whose uploads start runs. */
  public readonly uploadBucket: s3.IBucket;
  /** The key prefix whose uploads start runs (`incoming/`, or `''` for the whole bucket). */
  public readonly uploadPrefix: string;
  /** The bucket reports go to. */
  public readonly reportsBucket: s3.IBucket;
  /** The key prefix reports go under; a run's report lands under `<reportsPrefix>runs/<runId>/out/`. */
  public readonly reportsPrefix: string;
  /** How runs stage their files. */
  public readonly staging: StagingStrategy;
  /** The size up to which `AUTO` stages directly. */
  public readonly directStagingThreshold: Size;
  /** Status checks after which each DataSync stage gives up (0 when the strategy has no DataSync stage). */
  public readonly stageInMaxPolls: number;
  public readonly stageOutMaxPolls: number;
  /** The most execution history events a run of this configuration can write (a Standard execution may have 25,000). */
  public readonly worstCaseHistoryEvents: number;

  constructor(scope: Construct, id: string, props: PipelineStateMachineProps) {
    super(scope, id);
    const plan = resolveRunPlan(this, ConstructErrors.of(this, 'PipelineStateMachine'), props);
    this.staging = plan.staging.strategy;
    this.directStagingThreshold = plan.directStagingThreshold;
    this.uploadBucket = plan.locations.uploadBucket;
    this.uploadPrefix = plan.locations.uploadPrefix;
    this.reportsBucket = plan.locations.reportsBucket;
    this.reportsPrefix = plan.locations.reportsPrefix;
    this.notificationTopic = props.notificationTopic ?? createNotificationTopic(this);
    this.workspaceFunction = createWorkspaceFunction(this, props, plan);

    // The run, forwards: stage in -> process -> stage out -> clean up; every step fails into the failure path.
    const workspace = new WorkspaceCalls(this, this.workspaceFunction, stagedPathOf(plan));
    const failure = new FailurePath(this, {
      notificationTopic: this.notificationTopic,
      workspace,
      logRetention: plan.logRetention,
      // In the order the definition has always listed the failed states (templates stay unchanged).
      steps: [PipelineStep.CLEAN_UP, PipelineStep.STAGE_OUT, PipelineStep.PROCESS, PipelineStep.STAGE_IN,
        ...(stagesThroughDataSync(plan.staging) ? [PipelineStep.PREPARE] : [])],
    });
    const stageIn = stageInPart(this, plan, workspace, failure);
    const process = processPart(this, plan.who, props.processor, plan.timeouts.process, failure);
    const stageOut = stageOutPart(this, plan, workspace, failure);
    const end = runEnd(this, workspace, failure, plan.locations, props.successTopic);
    const start = chainParts([stageIn, process, stageOut], end.startState);
    this.stageInMaxPolls = stageIn.maxPolls;
    this.stageOutMaxPolls = stageOut.maxPolls;

    const history = [stageIn.history, process.history, stageOut.history, end.history, failure.historyPart()];
    assertWithinHistoryLimit(plan.who, this.staging === StagingStrategy.DIRECT ? '' : 'that stages through DataSync', history);
    this.worstCaseHistoryEvents = totalEvents(history);

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${this.node.addr}`,
      retention: plan.logRetention,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(start),
      comment: `batch-pipeline: one upload, one run (stage in, process, stage out, clean up; ${this.staging} staging)`,
      timeout: plan.timeouts.run,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    grantRunPermissions(this.stateMachine, plan, props.processor, this.notificationTopic, props.successTopic);

    notifyOnRunTimeout(this, this.stateMachine, this.notificationTopic);
    const alarms = createRunAlarms(this, this.stateMachine, this.metricUndeliveredNotifications(), props.alarmTopic);
    this.failedRunsAlarm = alarms.failedRuns;
    this.timedOutRunsAlarm = alarms.timedOutRuns;
    this.undeliveredNotificationsAlarm = alarms.undeliveredNotifications;
    acknowledgeStateMachineFindings(this.stateMachine, this.logGroup, this.workspaceFunction);
    failure.acknowledgeFindings(this.stateMachine.role);
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
}
