import { IBatchProcessor, RunContract } from '@batch-pipeline/batch';
import { StageInTransfer, StageOutTransfer } from '@batch-pipeline/datasync';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Duration, Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { checkKeyPrefix } from './key-prefix-check';
import { PollSchedule } from './poll-schedule';
import type { PipelineStateMachineProps } from '../pipeline-state-machine';
import { StagingStrategy } from '../staging-strategy';
import { WORKSPACE_TIMEOUT } from './workspace-function';

/** Time a job may spend queued and starting, over all its attempts, on top of its attempts' run time. */
const PROCESS_QUEUE_MARGIN = Duration.minutes(30);
/** The process step's timeout when the processor's job duration is only known at deploy time. */
const FALLBACK_PROCESS_TIMEOUT = Duration.hours(2);
const MIN_POLL_SECONDS = 1;
const MAX_POLL_SECONDS = 3600;
const RUN_TIMEOUT_MARGIN = Duration.minutes(15);
/**
 * A conservative rate of one streamed copy between S3 and EFS in a Lambda
 * function (one GetObject or PutObject stream; EFS elastic throughput is far
 * higher): the direct threshold must copy within half the function timeout at it.
 */
const ASSUMED_DIRECT_COPY_MIB_PER_SECOND = 20;
const DIRECT_COPY_SAFETY_FACTOR = 2;
const MAX_DIRECT_THRESHOLD_MIB = ASSUMED_DIRECT_COPY_MIB_PER_SECOND * WORKSPACE_TIMEOUT.toSeconds() / DIRECT_COPY_SAFETY_FACTOR;
const DEFAULT_DIRECT_THRESHOLD = Size.gibibytes(4);

/** Where a run's files are, what it reads and where it writes: derived once, so the parts cannot disagree. */
export interface RunLocations {
  readonly uploadBucket: s3.IBucket;
  readonly uploadPrefix: string;
  readonly reportsBucket: s3.IBucket;
  readonly reportsPrefix: string;
}

/** The two DataSync transfers of a plan that stages through DataSync. */
export interface DataSyncTransfers {
  readonly stageIn: StageInTransfer;
  readonly stageOut: StageOutTransfer;
}

/** `DIRECT`: the workspace function copies in both directions; there are no transfers. */
export interface DirectStaging {
  readonly strategy: StagingStrategy.DIRECT;
}

/** `DATASYNC`: DataSync copies in both directions. */
export interface DataSyncStaging {
  readonly strategy: StagingStrategy.DATASYNC;
  readonly transfers: DataSyncTransfers;
}

/** `AUTO`: the workspace function copies up to the threshold, DataSync above it. */
export interface AutomaticStaging {
  readonly strategy: StagingStrategy.AUTO;
  readonly transfers: DataSyncTransfers;
  /** Uploads and outputs up to this many bytes are copied directly. */
  readonly thresholdBytes: number;
}

/** How runs stage their files: what exists in each strategy is known by its type. */
export type StagingPlan = DirectStaging | DataSyncStaging | AutomaticStaging;

/** Whether the plan copies any file with the workspace function. */
export function stagesDirectly(staging: StagingPlan): staging is DirectStaging | AutomaticStaging {
  return staging.strategy !== StagingStrategy.DATASYNC;
}

/** Whether the plan copies any file with DataSync. */
export function stagesThroughDataSync(staging: StagingPlan): staging is DataSyncStaging | AutomaticStaging {
  return staging.strategy !== StagingStrategy.DIRECT;
}

/** The timeouts of the steps and of the run, known at synth time (except a run timeout given as a token). */
export interface RunTimeouts {
  readonly stageIn: Duration;
  readonly process: Duration;
  readonly stageOut: Duration;
  readonly run: Duration;
}

/** The props of a `PipelineStateMachine`, resolved once and validated: every part is built from this. */
export interface RunPlan {
  /** How errors name the state machine. */
  readonly who: string;
  readonly staging: StagingPlan;
  readonly directStagingThreshold: Size;
  readonly locations: RunLocations;
  readonly schedule: PollSchedule;
  readonly timeouts: RunTimeouts;
  readonly logRetention: logs.RetentionDays;
}

/** Resolves the props of `scope` (a `PipelineStateMachine`, named in errors as `errors` says) into a plan, or throws what is wrong. */
export function resolveRunPlan(scope: Construct, errors: ConstructErrors, props: PipelineStateMachineProps): RunPlan {
  const who = errors.label;
  const strategy = props.staging ?? StagingStrategy.AUTO;
  const directStagingThreshold = props.directStagingThreshold ?? DEFAULT_DIRECT_THRESHOLD;
  const schedule = new PollSchedule(props.pollInterval ?? Duration.seconds(5), props.maxPollInterval ?? Duration.minutes(5));
  const stageIn = props.stageInTimeout ?? Duration.hours(1);
  const process = props.processTimeout ?? defaultProcessTimeout(props.processor);
  const stageOut = props.stageOutTimeout ?? Duration.hours(1);
  const stepsTotal = Duration.seconds(stageIn.toSeconds() + process.toSeconds() + stageOut.toSeconds());
  const run = props.runTimeout ?? stepsTotal.plus(RUN_TIMEOUT_MARGIN);
  validate(errors, props, strategy, directStagingThreshold, schedule,
    [['stageInTimeout', stageIn], ['processTimeout', process], ['stageOutTimeout', stageOut]], run, stepsTotal);
  validateProcessTimeout(errors, props.processor, process);
  const locations = locationsOf(scope, errors, props);
  return {
    who,
    staging: stagingOf(strategy, props, directStagingThreshold),
    directStagingThreshold,
    locations,
    schedule,
    timeouts: { stageIn, process, stageOut, run },
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
  };
}

/** The staging plan of a strategy whose transfers `validate` has checked. */
function stagingOf(strategy: StagingStrategy, props: PipelineStateMachineProps, threshold: Size): StagingPlan {
  if (strategy === StagingStrategy.DIRECT) {
    return { strategy };
  }
  if (!props.stageIn || !props.stageOut) {
    throw new Error(`a ${strategy} staging plan needs 'stageIn' and 'stageOut', which validation requires first`);
  }
  const transfers = { stageIn: props.stageIn, stageOut: props.stageOut };
  return strategy === StagingStrategy.AUTO ? { strategy, transfers, thresholdBytes: threshold.toBytes() } : { strategy, transfers };
}

/** Every attempt of the job may run to its timeout, and then some time goes to queueing. */
function defaultProcessTimeout(processor: IBatchProcessor): Duration {
  return processor.maxJobDuration.isUnresolved() ? FALLBACK_PROCESS_TIMEOUT : processor.maxJobDuration.plus(PROCESS_QUEUE_MARGIN);
}

/**
 * The process step waits for the whole job: every attempt Batch makes may run
 * for the attempt timeout, so a shorter step would give up on a job that is
 * still allowed to run (and stop it while Batch would still retry it).
 */
function validateProcessTimeout(errors: ConstructErrors, processor: IBatchProcessor, processTimeout: Duration): void {
  const name = errors.label;
  const jobMaximum = processor.maxJobDuration;
  if (processTimeout.isUnresolved() || jobMaximum.isUnresolved()) {
    return;
  }
  if (processTimeout.toSeconds({ integral: false }) < jobMaximum.toSeconds({ integral: false })) {
    const processorPath = Construct.isConstruct(processor) ? processor.node.path : processor.jobDefinition.node.path;
    const attempts = `${processor.attempts} attempts x ${processor.attemptTimeout.toHumanString()} = ${jobMaximum.toHumanString()}`;
    throw new Error(`${name}: ${errors.prop('processTimeout')} ${processTimeout.toHumanString()} is shorter than the job may run `
      + `(${attempts} on ${processorPath}); `
      + `allowed: at least ${jobMaximum.toHumanString()} (leave it out for that plus ${PROCESS_QUEUE_MARGIN.toHumanString()} for queueing), `
      + 'or fewer \'retryAttempts\' or a shorter \'timeout\' on the processor');
  }
}

function validate(
  errors: ConstructErrors,
  props: PipelineStateMachineProps,
  strategy: StagingStrategy,
  threshold: Size,
  schedule: PollSchedule,
  stepTimeouts: Array<[string, Duration]>,
  runTimeout: Duration,
  stepsTotal: Duration,
): void {
  const name = errors.label;
  for (const [prop, interval] of [['pollInterval', schedule.first], ['maxPollInterval', schedule.max]] as Array<[string, Duration]>) {
    const seconds = interval.toSeconds({ integral: false });
    if (interval.isUnresolved() || !Number.isInteger(seconds) || seconds < MIN_POLL_SECONDS || seconds > MAX_POLL_SECONDS) {
      throw new Error(`${name}: ${errors.prop(prop)} ${interval.isUnresolved() ? '(a token)' : interval.toHumanString()} is not valid; `
        + `allowed: whole seconds from ${MIN_POLL_SECONDS} to ${MAX_POLL_SECONDS}, known at synth time`);
    }
  }
  if (schedule.maxSeconds < schedule.firstSeconds) {
    throw new Error(`${name}: ${errors.prop('maxPollInterval')} ${schedule.max.toHumanString()} `
      + `is shorter than 'pollInterval' ${schedule.first.toHumanString()}; `
      + 'allowed: at least \'pollInterval\'');
  }
  for (const [prop, timeout] of stepTimeouts) {
    if (timeout.isUnresolved()) {
      throw new Error(`${name}: ${errors.prop(prop)} is a token; allowed: a duration known at synth time, which bounds the run's history`);
    }
    if (timeout.toSeconds({ integral: false }) < schedule.firstSeconds) {
      throw new Error(`${name}: ${errors.prop(prop)} ${timeout.toHumanString()} is not valid; `
        + `allowed: at least 'pollInterval' (${schedule.first.toHumanString()})`);
    }
  }
  if (!runTimeout.isUnresolved() && runTimeout.toSeconds() < stepsTotal.toSeconds()) {
    throw new Error(`${name}: ${errors.prop('runTimeout')} ${runTimeout.toHumanString()} `
      + `is shorter than the step timeouts together (${stepsTotal.toHumanString()}); `
      + 'allowed: at least that');
  }
  if ((props.network === undefined) === (props.vpc === undefined)) {
    throw new Error(`${name}: give exactly one of 'network' and 'vpc' for the workspace function; got ${props.network ? 'both' : 'neither'}`);
  }
  const thresholdMiB = threshold.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Token.isUnresolved(threshold.toBytes()) && (threshold.toBytes() < 1 || thresholdMiB > MAX_DIRECT_THRESHOLD_MIB)) {
    throw new Error(`${name}: ${errors.prop('directStagingThreshold')} ${thresholdMiB} MiB is not valid; `
      + `allowed: 1 byte to ${MAX_DIRECT_THRESHOLD_MIB} MiB, `
      + `which the workspace function copies within half its ${WORKSPACE_TIMEOUT.toMinutes()}-minute timeout `
      + `at ${ASSUMED_DIRECT_COPY_MIB_PER_SECOND} MiB/s`);
  }
  if (strategy !== StagingStrategy.DIRECT) {
    const missing = (['stageIn', 'stageOut'] as const).filter((prop) => props[prop] === undefined);
    if (missing.length > 0) {
      throw new Error(`${name}: ${missing.map((prop) => `'${prop}'`).join(' and ')} missing; `
        + `allowed: give them, or 'staging' StagingStrategy.DIRECT, which needs no DataSync task (got ${strategy})`);
    }
  }
  if (props.stageIn) {
    const stagingDirectory = props.stageIn.destinationLocation.subdirectory;
    const runsDirectory = RunContract.RUNS_DIRECTORY;
    if (!Token.isUnresolved(stagingDirectory)
      && (stagingDirectory === '/' || stagingDirectory === `${runsDirectory}/` || stagingDirectory.startsWith(`${runsDirectory}/`))) {
      throw new Error(`${name}: the stage-in ${props.stageIn.node.path} writes to '${stagingDirectory}', `
        + 'where an upload could land inside a run directory; '
        + `allowed: a directory outside ${runsDirectory}, such as '/staging'`);
    }
  }
  const stageOutSource = props.stageOut?.sourceLocation.subdirectory;
  if (stageOutSource !== undefined && !Token.isUnresolved(stageOutSource) && stageOutSource !== '/') {
    throw new Error(`${name}: the stage-out transfer reads EFS from '${stageOutSource}'; `
      + `allowed: '/' (the access point root), because run directories live under ${RunContract.RUNS_DIRECTORY}`);
  }
}

/**
 * The buckets and prefixes of a run, from the transfers when there are any:
 * a bucket or prefix given as well must be the same, so that the trigger, the
 * direct copies and DataSync all agree.
 */
function locationsOf(scope: Construct, errors: ConstructErrors, props: PipelineStateMachineProps): RunLocations {
  const name = errors.label;
  const stack = Stack.of(scope);
  const sameBucket = (a: s3.IBucket, b: s3.IBucket) => a === b
    || JSON.stringify(stack.resolve(a.bucketName)) === JSON.stringify(stack.resolve(b.bucketName));
  const stageIn = props.stageIn;
  const fromStageIn = stageIn?.sourceLocation;
  const fromStageOut = props.stageOut?.destinationLocation;
  if (stageIn && Token.isUnresolved(stageIn.sourceLocation.subdirectory)) {
    throw new Error(`${name}: the stage-in prefix of ${stageIn.node.path} is an unresolved token; `
      + 'allowed: a plain prefix such as \'incoming/\', which the trigger must know at synth time');
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
  const uploadPrefix = fromStageIn ? fromStageIn.subdirectory.slice(1) : checkKeyPrefix(errors, 'uploadPrefix', props.uploadPrefix
    ?? '', 'incoming/');
  const reportsPrefix = fromStageOut ? fromStageOut.subdirectory.slice(1) : checkKeyPrefix(errors, 'reportsPrefix', props.reportsPrefix
    ?? 'reports/', 'reports/');
  const agreements: Array<[string, boolean, string, string]> = [
    ['uploadBucket', props.uploadBucket !== undefined && fromStageIn !== undefined && !sameBucket(props.uploadBucket, fromStageIn.bucket),
      props.uploadBucket?.node.path ?? '', fromStageIn?.bucket.node.path ?? ''],
    ['uploadPrefix', props.uploadPrefix !== undefined && fromStageIn !== undefined && props.uploadPrefix !== uploadPrefix,
      `'${props.uploadPrefix}'`, `'${uploadPrefix}'`],
    ['reportsBucket', props.reportsBucket !== undefined && fromStageOut !== undefined && !sameBucket(props.reportsBucket, fromStageOut.bucket),
      props.reportsBucket?.node.path ?? '', fromStageOut?.bucket.node.path ?? ''],
    ['reportsPrefix', props.reportsPrefix !== undefined && fromStageOut !== undefined && props.reportsPrefix !== reportsPrefix,
      `'${props.reportsPrefix}'`, `'${reportsPrefix}'`],
  ];
  for (const [prop, disagrees, given, derived] of agreements) {
    if (disagrees) {
      const transfer = prop.startsWith('upload') ? 'stage-in reads' : 'stage-out writes';
      throw new Error(`${name}: '${prop}' ${given} is not what the ${transfer} (${derived}); allowed: ${derived}, or leave '${prop}' out`);
    }
  }
  if (uploadPrefix === '' && !props.watchWholeBucket) {
    const source = stageIn
      ? `the stage-in ${stageIn.node.path} reads the whole upload bucket (it has no 'sourcePrefix')`
      : "no 'uploadPrefix' was given";
    throw new Error(`${name}: ${source}, so every object uploaded anywhere in it would start a run; `
      + `allowed: ${stageIn ? "a stage-in with a 'sourcePrefix'" : "an 'uploadPrefix'"} such as 'incoming/', `
      + 'or \'watchWholeBucket\' true if that is meant');
  }
  return { uploadBucket, uploadPrefix, reportsBucket, reportsPrefix };
}
