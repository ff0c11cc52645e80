import { IBatchProcessor, RunContract } from '@batch-pipeline/batch';
import { StageInTransfer, StageOutTransfer } from '@batch-pipeline/datasync';
import { IPipelineNetwork, NagAcknowledgements } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Duration, Size, SizeRoundingBehavior, Stack, Token, Validations } from 'aws-cdk-lib';
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
import { DataSyncStageIn } from './private/datasync-stage-in';
import { FailurePath, UNDELIVERED_NOTIFICATIONS } from './private/failure-path';
import { assertWithinHistoryLimit, HistoryPart, taskEvents } from './private/history-budget';
import { PollSchedule } from './private/poll-schedule';
import { grantProcessJob, processJobState } from './private/process-job';
import { TransferStage } from './private/transfer-stage';
import { FLOW_STATE_EVENTS, WORKSPACE_CALL_EVENTS, WorkspaceCalls } from './private/workspace-call';
import { StagingStrategy } from './staging-strategy';
import { RunWorkspaceFunction } from './workspace/run-workspace-function';
import { WORKSPACE_MOUNT_PATH } from './workspace/workspace-mount';

export { StagingStrategy } from './staging-strategy';

/** The steps of a run, as named in failure notifications (`failedStep`). */
export enum PipelineStep {
  STAGE_IN = 'stage in',
  PREPARE = 'prepare',
  PROCESS = 'process',
  STAGE_OUT = 'stage out',
  CLEAN_UP = 'clean up',
}

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

const EVENTBRIDGE_SERVICE = 'events.amazonaws.com';

/** Time a job may spend queued and starting, over all its attempts, on top of its attempts' run time. */
const PROCESS_QUEUE_MARGIN = Duration.minutes(30);
/** The process step's timeout when the processor's job duration is only known at deploy time. */
const FALLBACK_PROCESS_TIMEOUT = Duration.hours(2);

/** Every attempt of the job may run to its timeout, and then some time goes to queueing. */
function defaultProcessTimeout(processor: IBatchProcessor): Duration {
  return processor.maxJobDuration.isUnresolved() ? FALLBACK_PROCESS_TIMEOUT : processor.maxJobDuration.plus(PROCESS_QUEUE_MARGIN);
}

const MIN_POLL_SECONDS = 1;
const MAX_POLL_SECONDS = 3600;
const API_CALL_TIMEOUT = Duration.seconds(60);
const RUN_TIMEOUT_MARGIN = Duration.minutes(15);

/** The workspace function may run this long: the longest direct copy plus margin. Lambda allows at most 15 minutes. */
const WORKSPACE_TIMEOUT = Duration.minutes(15);
/** A direct copy's state waits for the function's own timeout, plus a minute for the invocation. */
const DIRECT_COPY_CALL_TIMEOUT = WORKSPACE_TIMEOUT.plus(Duration.minutes(1));
/**
 * A conservative rate of one streamed copy between S3 and EFS in a Lambda
 * function (one GetObject or PutObject stream; EFS elastic throughput is far
 * higher): the direct threshold must copy within half the function timeout at it.
 */
const ASSUMED_DIRECT_COPY_MIB_PER_SECOND = 20;
const DIRECT_COPY_SAFETY_FACTOR = 2;
const MAX_DIRECT_THRESHOLD_MIB = ASSUMED_DIRECT_COPY_MIB_PER_SECOND * WORKSPACE_TIMEOUT.toSeconds() / DIRECT_COPY_SAFETY_FACTOR;
const DEFAULT_DIRECT_THRESHOLD = Size.gibibytes(4);
/** An output limit the direct stage-out never reaches: `DIRECT` uploads every output. */
const NO_OUTPUT_LIMIT = Number.MAX_SAFE_INTEGER;

/** Where a run's files are, what it reads and where it writes: derived once, so the parts cannot disagree. */
interface RunLocations {
  readonly uploadBucket: s3.IBucket;
  readonly uploadPrefix: string;
  readonly reportsBucket: s3.IBucket;
  readonly reportsPrefix: string;
}

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
    const who = ConstructErrors.of(this, 'PipelineStateMachine').label;
    this.staging = props.staging ?? StagingStrategy.AUTO;
    this.directStagingThreshold = props.directStagingThreshold ?? DEFAULT_DIRECT_THRESHOLD;
    const schedule = new PollSchedule(props.pollInterval ?? Duration.seconds(5), props.maxPollInterval ?? Duration.minutes(5));
    const stageInTimeout = props.stageInTimeout ?? Duration.hours(1);
    const processTimeout = props.processTimeout ?? defaultProcessTimeout(props.processor);
    const stageOutTimeout = props.stageOutTimeout ?? Duration.hours(1);
    const stepsTotal = Duration.seconds(stageInTimeout.toSeconds() + processTimeout.toSeconds() + stageOutTimeout.toSeconds());
    const runTimeout = props.runTimeout ?? stepsTotal.plus(RUN_TIMEOUT_MARGIN);
    this.validate(who, props, schedule, [['stageInTimeout', stageInTimeout], ['processTimeout', processTimeout], ['stageOutTimeout', stageOutTimeout]], runTimeout, stepsTotal);
    this.validateProcessTimeout(props.processor, processTimeout);
    const locations = this.locationsOf(who, props);
    this.uploadBucket = locations.uploadBucket;
    this.uploadPrefix = locations.uploadPrefix;
    this.reportsBucket = locations.reportsBucket;
    this.reportsPrefix = locations.reportsPrefix;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const direct = this.staging !== StagingStrategy.DATASYNC;
    const auto = this.staging === StagingStrategy.AUTO;
    const thresholdBytes = this.directStagingThreshold.toBytes();

    this.notificationTopic = props.notificationTopic ?? this.createTopic();
    this.workspaceFunction = this.createWorkspaceFunction(props, logRetention, direct ? locations : undefined,
      this.staging !== StagingStrategy.DIRECT ? { stageIn: props.stageIn!, locations } : undefined);

    // Where a DataSync stage-in puts the upload; the direct path has no staged copy, so its
    // clean-up names the run's own input instead.
    const stagedPath = props.stageIn && this.staging !== StagingStrategy.DIRECT
      ? sfn.JsonPath.format(`${props.stageIn.destinationLocation.subdirectory}{}`, sfn.JsonPath.stringAt('$.relativeKey'))
      : sfn.JsonPath.format(`${RunContract.RUNS_DIRECTORY}/{}/in/{}`, sfn.JsonPath.stringAt('$.runId'), sfn.JsonPath.stringAt('$.fileName'));
    const workspace = new WorkspaceCalls(this, this.workspaceFunction, stagedPath);
    const failure = new FailurePath(this, { notificationTopic: this.notificationTopic, workspace, logRetention });
    const history: HistoryPart[] = [];

    // The chain is built from its end, so that each step knows where it continues.
    const runSucceeded = new sfn.Succeed(this, 'Run succeeded');
    let afterCleanUp: sfn.IChainable = runSucceeded;
    if (props.successTopic) {
      const notifySuccess = new tasks.SnsPublish(this, 'Notify success', {
        topic: props.successTopic,
        subject: 'batch-pipeline run succeeded',
        message: sfn.TaskInput.fromObject({
          runId: sfn.JsonPath.stringAt('$.runId'),
          bucket: sfn.JsonPath.stringAt('$.bucket'),
          key: sfn.JsonPath.stringAt('$.key'),
          reportBucket: locations.reportsBucket.bucketName,
          reportPrefix: sfn.JsonPath.format(`${locations.reportsPrefix}runs/{}/out/`, sfn.JsonPath.stringAt('$.runId')),
          execution: sfn.JsonPath.executionId,
        }),
        resultPath: sfn.JsonPath.DISCARD,
        taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
      });
      // The report has landed; a lost success message does not fail the run.
      notifySuccess.addCatch(runSucceeded, { resultPath: '$.notificationError' });
      afterCleanUp = notifySuccess.next(runSucceeded);
    }

    const cleanUp = workspace.call('Clean up', { payload: { action: 'cleanup' }, resultSelector: { 'removed.$': '$.Payload.removed' }, resultPath: '$.cleanUp', timeout: API_CALL_TIMEOUT });
    cleanUp.addCatch(failure.failedAt(PipelineStep.CLEAN_UP), { resultPath: '$.error' });
    cleanUp.next(afterCleanUp);
    history.push({ step: 'clean up', events: WORKSPACE_CALL_EVENTS + taskEvents(0), remedy: 'it is fixed' });

    // Stage out.
    const transferStageOut = this.staging === StagingStrategy.DIRECT ? undefined : new TransferStage(this, 'StageOut', {
      stepName: 'Stage out',
      statePath: '$.stageOut',
      taskArns: transferTaskArns(props.stageOut!),
      includes: props.stageOut!.includeRunOutput(sfn.JsonPath.stringAt('$.runId'), { runsDirectory: RunContract.RUNS_DIRECTORY }),
      schedule,
      timeout: stageOutTimeout,
      timeoutProp: 'stageOutTimeout',
      onFailure: failure.failedAt(PipelineStep.STAGE_OUT),
      next: cleanUp,
    });
    this.stageOutMaxPolls = transferStageOut?.maxPolls ?? 0;
    let stageOutStart: sfn.State;
    if (!direct) {
      stageOutStart = transferStageOut!.startState;
      history.push(transferStageOut!.historyPart());
    } else {
      const stageOutDirectly = workspace.call('Stage out directly', {
        payload: {
          action: 'stage-out',
          reportBucket: locations.reportsBucket.bucketName,
          reportPrefix: sfn.JsonPath.format(`${locations.reportsPrefix}runs/{}/out/`, sfn.JsonPath.stringAt('$.runId')),
          maxBytes: auto ? thresholdBytes : NO_OUTPUT_LIMIT,
        },
        resultSelector: { 'staged.$': '$.Payload.staged', 'bytes.$': '$.Payload.bytes', 'files.$': '$.Payload.files' },
        resultPath: '$.stageOutDirectly',
        timeout: DIRECT_COPY_CALL_TIMEOUT,
      });
      stageOutDirectly.addCatch(failure.failedAt(PipelineStep.STAGE_OUT), { resultPath: '$.error' });
      if (auto) {
        // An output over the threshold is left to DataSync: the function uploaded nothing.
        stageOutDirectly.next(new sfn.Choice(this, 'Staged out?')
          .when(sfn.Condition.booleanEquals('$.stageOutDirectly.staged', true), cleanUp)
          .otherwise(transferStageOut!.startState));
        const transferPart = transferStageOut!.historyPart();
        history.push({ ...transferPart, events: WORKSPACE_CALL_EVENTS + FLOW_STATE_EVENTS + transferPart.events });
      } else {
        stageOutDirectly.next(cleanUp);
        history.push({ step: 'stage out (direct)', events: WORKSPACE_CALL_EVENTS, remedy: 'it is fixed' });
      }
      stageOutStart = stageOutDirectly;
    }

    const processJob = processJobState(this, who, props.processor, processTimeout);
    processJob.addCatch(failure.failedAt(PipelineStep.PROCESS), { resultPath: '$.error' });
    processJob.next(stageOutStart);
    history.push({ step: 'process', events: taskEvents(0, { sync: true }), remedy: 'it is fixed' });

    // Stage in.
    let dataSyncStageIn: sfn.State | undefined;
    this.stageInMaxPolls = 0;
    if (this.staging !== StagingStrategy.DIRECT) {
      // Exactly the triggering version, through a per-run manifest, checked before the job sees it (see DataSyncStageIn).
      const stageIn = new DataSyncStageIn(this, 'StageIn', {
        who,
        stageIn: props.stageIn!,
        taskArns: transferTaskArns(props.stageIn!),
        workspace,
        schedule,
        timeout: stageInTimeout,
        callTimeout: API_CALL_TIMEOUT,
        claimTimeout: DIRECT_COPY_CALL_TIMEOUT,
        onStageFailure: failure.failedAt(PipelineStep.STAGE_IN),
        onPrepareFailure: failure.failedAt(PipelineStep.PREPARE),
        next: processJob,
      });
      this.stageInMaxPolls = stageIn.maxPolls;
      dataSyncStageIn = stageIn.startState;
      const stageInPart = stageIn.historyPart();
      history.push({ ...stageInPart, events: (auto ? FLOW_STATE_EVENTS : 0) + stageInPart.events });
    }
    let start: sfn.State;
    if (!direct) {
      start = dataSyncStageIn!;
    } else {
      const stageInDirectly = workspace.call('Stage in directly', {
        payload: {
          action: 'stage-in',
          bucket: sfn.JsonPath.stringAt('$.bucket'),
          key: sfn.JsonPath.stringAt('$.key'),
          versionId: sfn.JsonPath.stringAt('$.versionId'),
          size: sfn.JsonPath.numberAt('$.size'),
          fileName: sfn.JsonPath.stringAt('$.fileName'),
        },
        resultSelector: { 'inputPath.$': '$.Payload.inputPath', 'outputDirectory.$': '$.Payload.outputDirectory' },
        resultPath: '$.workspace',
        timeout: DIRECT_COPY_CALL_TIMEOUT,
      });
      stageInDirectly.addCatch(failure.failedAt(PipelineStep.STAGE_IN), { resultPath: '$.error' });
      stageInDirectly.next(processJob);
      if (auto) {
        start = new sfn.Choice(this, 'Stage in how?')
          .when(sfn.Condition.numberLessThanEquals('$.size', thresholdBytes), stageInDirectly)
          .otherwise(dataSyncStageIn!);
      } else {
        start = stageInDirectly;
        history.push({ step: 'stage in (direct)', events: WORKSPACE_CALL_EVENTS, remedy: 'it is fixed' });
      }
    }
    history.push(failure.historyPart());
    assertWithinHistoryLimit(who, direct && !auto ? '' : 'that stages through DataSync', history);
    this.worstCaseHistoryEvents = history.reduce((sum, part) => sum + part.events, 2);

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${this.node.addr}`,
      retention: logRetention,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(start),
      comment: `batch-pipeline: one upload, one run (stage in, process, stage out, clean up; ${this.staging} staging)`,
      timeout: runTimeout,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    if (this.staging !== StagingStrategy.DIRECT) {
      for (const transfer of [props.stageIn!, props.stageOut!]) {
        transfer.grantStartExecution(this.stateMachine);
        transfer.grantCancelExecution(this.stateMachine);
      }
    }
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

  private createWorkspaceFunction(props: PipelineStateMachineProps, logRetention: logs.RetentionDays, direct?: RunLocations,
    dataSync?: { readonly stageIn: StageInTransfer; readonly locations: RunLocations }): lambda.IFunction {
    const vpc = props.network?.vpc ?? props.vpc!;
    const vpcSubnets = props.network?.privateSubnets ?? props.vpcSubnets;
    const securityGroup = new ec2.SecurityGroup(this, 'WorkspaceSecurityGroup', {
      vpc,
      description: 'batch-pipeline workspace function: NFS to the file system, HTTPS to S3',
      allowAllOutbound: false,
    });
    // Direct staging, and the DataSync path's manifests and checks, reach S3 through the S3 gateway
    // endpoint of the private subnets, which every egress mode has. A gateway endpoint has no fixed
    // addresses to name here without a prefix-list lookup (which would need AWS access at synth
    // time); the role allows S3 calls only.
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to S3 through the gateway endpoint');
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
    // Exactly the object versions under the watched prefix (a direct copy reads one; a DataSync
    // stage-in checks the staged file against one); the key halves come from the L2 key grants.
    const uploads = direct ?? dataSync!.locations;
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [uploads.uploadBucket.arnForObjects(`${uploads.uploadPrefix}*`)],
    }));
    uploads.uploadBucket.encryptionKey?.grantDecrypt(role);
    NagAcknowledgements.acknowledgeWildcardResource(role, uploads.uploadBucket.arnForObjects(`${uploads.uploadPrefix}*`),
      'Stage-in reads (or checks against) the one object version that started the run; keys are known only at run time, and the wildcard covers only the watched prefix.');
    if (direct) {
      // New report objects under the runs' report prefix.
      role.addToPolicy(new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [direct.reportsBucket.arnForObjects(`${direct.reportsPrefix}runs/*`)],
      }));
      direct.reportsBucket.encryptionKey?.grantEncryptDecrypt(role);
      NagAcknowledgements.acknowledgeWildcardResource(role, direct.reportsBucket.arnForObjects(`${direct.reportsPrefix}runs/*`),
        'Direct stage-out writes the run\'s report objects under <reportsPrefix>runs/<runId>/out/; run ids are known only at run time.');
    }
    // The DataSync path: one manifest per run, naming the version DataSync copies.
    dataSync?.stageIn.grantWriteManifest(role);
    const fn = new RunWorkspaceFunction(this, 'WorkspaceFunction', {
      role,
      architecture: lambda.Architecture.ARM_64,
      // Lambda gives a function network bandwidth and CPU in proportion to its memory.
      // Both paths stream whole files (a direct copy, or the checksum of a staged file).
      memorySize: 1024,
      timeout: WORKSPACE_TIMEOUT,
      vpc,
      vpcSubnets,
      securityGroups: [securityGroup],
      filesystem: lambda.FileSystem.fromEfsAccessPoint(props.accessPoint, WORKSPACE_MOUNT_PATH),
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { WORKSPACE_MOUNT_PATH, NODE_OPTIONS: '--enable-source-maps' },
      description: 'batch-pipeline: stages small files directly, writes DataSync manifests, checks staged files, prepares and removes run directories',
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
      const errors = ConstructErrors.of(this, 'PipelineStateMachine');
      const name = errors.label;
      const processorPath = Construct.isConstruct(processor) ? processor.node.path : processor.jobDefinition.node.path;
      throw new Error(`${name}: ${errors.prop('processTimeout')} ${processTimeout.toHumanString()} is shorter than the job may run `
        + `(${processor.attempts} attempts x ${processor.attemptTimeout.toHumanString()} = ${jobMaximum.toHumanString()} on ${processorPath}); `
        + `allowed: at least ${jobMaximum.toHumanString()} (leave it out for that plus ${PROCESS_QUEUE_MARGIN.toHumanString()} for queueing), or fewer 'retryAttempts' or a shorter 'timeout' on the processor`);
    }
  }

  private validate(
    name: string,
    props: PipelineStateMachineProps,
    schedule: PollSchedule,
    stepTimeouts: Array<[string, Duration]>,
    runTimeout: Duration,
    stepsTotal: Duration,
  ): void {
    const errors = ConstructErrors.of(this, 'PipelineStateMachine');
    for (const [prop, interval] of [['pollInterval', schedule.first], ['maxPollInterval', schedule.max]] as Array<[string, Duration]>) {
      const seconds = interval.toSeconds({ integral: false });
      if (interval.isUnresolved() || !Number.isInteger(seconds) || seconds < MIN_POLL_SECONDS || seconds > MAX_POLL_SECONDS) {
        throw new Error(`${name}: ${errors.prop(prop)} ${interval.isUnresolved() ? '(a token)' : interval.toHumanString()} is not valid; allowed: whole seconds from ${MIN_POLL_SECONDS} to ${MAX_POLL_SECONDS}, known at synth time`);
      }
    }
    if (schedule.maxSeconds < schedule.firstSeconds) {
      throw new Error(`${name}: ${errors.prop('maxPollInterval')} ${schedule.max.toHumanString()} is shorter than 'pollInterval' ${schedule.first.toHumanString()}; allowed: at least 'pollInterval'`);
    }
    for (const [prop, timeout] of stepTimeouts) {
      if (timeout.isUnresolved()) {
        throw new Error(`${name}: ${errors.prop(prop)} is a token; allowed: a duration known at synth time, which bounds the run's history`);
      }
      if (timeout.toSeconds({ integral: false }) < schedule.firstSeconds) {
        throw new Error(`${name}: ${errors.prop(prop)} ${timeout.toHumanString()} is not valid; allowed: at least 'pollInterval' (${schedule.first.toHumanString()})`);
      }
    }
    if (!runTimeout.isUnresolved() && runTimeout.toSeconds() < stepsTotal.toSeconds()) {
      throw new Error(`${name}: ${errors.prop('runTimeout')} ${runTimeout.toHumanString()} is shorter than the step timeouts together (${stepsTotal.toHumanString()}); allowed: at least that`);
    }
    if ((props.network === undefined) === (props.vpc === undefined)) {
      throw new Error(`${name}: give exactly one of 'network' and 'vpc' for the workspace function; got ${props.network ? 'both' : 'neither'}`);
    }
    const threshold = this.directStagingThreshold;
    const thresholdMiB = threshold.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Token.isUnresolved(threshold.toBytes()) && (threshold.toBytes() < 1 || thresholdMiB > MAX_DIRECT_THRESHOLD_MIB)) {
      throw new Error(`${name}: ${errors.prop('directStagingThreshold')} ${threshold.toMebibytes({ rounding: SizeRoundingBehavior.NONE })} MiB is not valid; allowed: 1 byte to ${MAX_DIRECT_THRESHOLD_MIB} MiB, `
        + `which the workspace function copies within half its ${WORKSPACE_TIMEOUT.toMinutes()}-minute timeout at ${ASSUMED_DIRECT_COPY_MIB_PER_SECOND} MiB/s`);
    }
    if (this.staging !== StagingStrategy.DIRECT) {
      const missing = (['stageIn', 'stageOut'] as const).filter((prop) => props[prop] === undefined);
      if (missing.length > 0) {
        throw new Error(`${name}: ${missing.map((prop) => `'${prop}'`).join(' and ')} missing; allowed: give them, or 'staging' StagingStrategy.DIRECT, which needs no DataSync task (got ${this.staging})`);
      }
    }
    if (props.stageIn) {
      const stagingDirectory = props.stageIn.destinationLocation.subdirectory;
      if (!Token.isUnresolved(stagingDirectory) && (stagingDirectory === '/' || stagingDirectory === `${RunContract.RUNS_DIRECTORY}/` || stagingDirectory.startsWith(`${RunContract.RUNS_DIRECTORY}/`))) {
        throw new Error(`${name}: the stage-in ${props.stageIn.node.path} writes to '${stagingDirectory}', where an upload could land inside a run directory; allowed: a directory outside ${RunContract.RUNS_DIRECTORY}, such as '/staging'`);
      }
    }
    const stageOutSource = props.stageOut?.sourceLocation.subdirectory;
    if (stageOutSource !== undefined && !Token.isUnresolved(stageOutSource) && stageOutSource !== '/') {
      throw new Error(`${name}: the stage-out transfer reads EFS from '${stageOutSource}'; allowed: '/' (the access point root), because run directories live under ${RunContract.RUNS_DIRECTORY}`);
    }
  }

  /**
   * The buckets and prefixes of a run, from the transfers when there are any:
   * a bucket or prefix given as well must be the same, so that the trigger, the
   * direct copies and DataSync all agree.
   */
  private locationsOf(name: string, props: PipelineStateMachineProps): RunLocations {
    const stack = Stack.of(this);
    const sameBucket = (a: s3.IBucket, b: s3.IBucket) => a === b
      || JSON.stringify(stack.resolve(a.bucketName)) === JSON.stringify(stack.resolve(b.bucketName));
    const fromStageIn = props.stageIn?.sourceLocation;
    const fromStageOut = props.stageOut?.destinationLocation;
    if (fromStageIn && Token.isUnresolved(fromStageIn.subdirectory)) {
      throw new Error(`${name}: the stage-in prefix of ${props.stageIn!.node.path} is an unresolved token; allowed: a plain prefix such as 'incoming/', which the trigger must know at synth time`);
    }
    const uploadBucket = fromStageIn?.bucket ?? props.uploadBucket;
    if (!uploadBucket) {
      throw new Error(`${name}: no upload bucket; allowed: give 'stageIn' or 'uploadBucket'`);
    }
    const reportsBucket = fromStageOut?.bucket ?? props.reportsBucket;
    if (!reportsBucket) {
      throw new Error(`${name}: no reports bucket; allowed: give 'stageOut' or 'reportsBucket'`);
    }
    // A location's subdirectory is '/incoming/' (or '/'); the key prefix is its key form.
    const uploadPrefix = fromStageIn ? fromStageIn.subdirectory.slice(1) : validKeyPrefix(name, 'uploadPrefix', props.uploadPrefix ?? '');
    const reportsPrefix = fromStageOut ? fromStageOut.subdirectory.slice(1) : validKeyPrefix(name, 'reportsPrefix', props.reportsPrefix ?? 'reports/');
    const agreements: Array<[string, boolean, string, string]> = [
      ['uploadBucket', props.uploadBucket !== undefined && fromStageIn !== undefined && !sameBucket(props.uploadBucket, fromStageIn.bucket), props.uploadBucket?.node.path ?? '', fromStageIn?.bucket.node.path ?? ''],
      ['uploadPrefix', props.uploadPrefix !== undefined && fromStageIn !== undefined && props.uploadPrefix !== uploadPrefix, `'${props.uploadPrefix}'`, `'${uploadPrefix}'`],
      ['reportsBucket', props.reportsBucket !== undefined && fromStageOut !== undefined && !sameBucket(props.reportsBucket, fromStageOut.bucket), props.reportsBucket?.node.path ?? '', fromStageOut?.bucket.node.path ?? ''],
      ['reportsPrefix', props.reportsPrefix !== undefined && fromStageOut !== undefined && props.reportsPrefix !== reportsPrefix, `'${props.reportsPrefix}'`, `'${reportsPrefix}'`],
    ];
    for (const [prop, disagrees, given, derived] of agreements) {
      if (disagrees) {
        const transfer = prop.startsWith('upload') ? 'stage-in reads' : 'stage-out writes';
        throw new Error(`${name}: '${prop}' ${given} is not what the ${transfer} (${derived}); allowed: ${derived}, or leave '${prop}' out`);
      }
    }
    if (uploadPrefix === '' && !props.watchWholeBucket) {
      const source = props.stageIn ? `the stage-in ${props.stageIn.node.path} reads the whole upload bucket (it has no 'sourcePrefix')` : "no 'uploadPrefix' was given";
      throw new Error(`${name}: ${source}, so every object uploaded anywhere in it would start a run; `
        + `allowed: ${props.stageIn ? "a stage-in with a 'sourcePrefix'" : "an 'uploadPrefix'"} such as 'incoming/', or 'watchWholeBucket' true if that is meant`);
    }
    return { uploadBucket, uploadPrefix, reportsBucket, reportsPrefix };
  }
}

/** A key prefix as S3 notifications and IAM use it: empty, or ending with '/' and not starting with one. */
function validKeyPrefix(name: string, prop: string, prefix: string): string {
  if (!Token.isUnresolved(prefix) && prefix !== '' && (!prefix.endsWith('/') || prefix.startsWith('/'))) {
    throw new Error(`${name}: '${prop}' '${prefix}' is not valid; allowed: a key prefix that ends with '/' and does not start with '/', such as 'incoming/'`);
  }
  return prefix;
}

/** The task of a transfer, or every task of its pool. */
function transferTaskArns(transfer: StageInTransfer | StageOutTransfer): string[] {
  const pool = (transfer as { taskArns?: string[] }).taskArns;
  return pool && pool.length > 0 ? pool : [transfer.taskArn];
}

/** IAM's way to say "every resource" for actions that cannot be scoped to one. */
const NO_RESOURCE_LEVEL_PERMISSIONS = '*';
