import { StageInTransfer, StageOutTransfer } from '@batch-pipeline/datasync';
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { flowEvents, HistoryPart, taskEvents } from './history-budget';
import { PollSchedule } from './poll-schedule';
import { TRANSFER_SLOTS } from '../trigger/run-id';

/**
 * The errors DataSync's API model declares for StartTaskExecution,
 * DescribeTaskExecution and CancelTaskExecution: `InternalException` (a
 * service fault) and `InvalidRequestException` (which also carries throttling
 * and a full execution queue). Step Functions names SDK errors
 * `<Service>.<ErrorShape>`, so these are the names a retrier can match; a
 * `DataSync.ThrottlingException` is never raised.
 */
export const DATASYNC_ERRORS = {
  INTERNAL: 'DataSync.InternalException',
  INVALID_REQUEST: 'DataSync.InvalidRequestException',
  /**
   * Errors outside the model, such as the common `ThrottlingException`, reach
   * Step Functions as the SDK's service exception of DataSync (as S3 throttling
   * arrives as `S3.S3Exception`); not documented for DataSync, so matched as well.
   */
  UNMODELLED: 'DataSync.DataSyncException',
} as const;

/** Statuses of a task execution that has not ended yet (DataSync TaskExecutionStatus). */
export const UNFINISHED_EXECUTION_STATUSES = ['QUEUED', 'LAUNCHING', 'PREPARING', 'TRANSFERRING', 'VERIFYING', 'CANCELLING'];

/** How often a stage checks that a cancelled execution has stopped before it reports the failure. */
export const MAX_CANCEL_CHECKS = 8;
/** The wait between two checks of a cancelled execution. */
export const CANCEL_CHECK_INTERVAL = Duration.seconds(15);


const API_CALL_TIMEOUT = Duration.seconds(60);

/**
 * Retries of the start call: a fault, and InvalidRequestException, which
 * DataSync returns for throttling and a full queue as well as for a bad
 * request; a bad request fails the run after the last attempt, so it cannot
 * loop. A start that timed out is not retried: it may have started.
 */
const START_RETRY: sfn.RetryProps = {
  errors: [DATASYNC_ERRORS.INTERNAL, DATASYNC_ERRORS.INVALID_REQUEST, DATASYNC_ERRORS.UNMODELLED],
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

/** Retries of status checks and cancels: both are safe to repeat. */
const READ_RETRY: sfn.RetryProps = {
  errors: [DATASYNC_ERRORS.INTERNAL, DATASYNC_ERRORS.INVALID_REQUEST, DATASYNC_ERRORS.UNMODELLED, sfn.Errors.TIMEOUT],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 4,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

export interface TransferStageProps {
  /** Human name of the step, used in state names and notifications, such as 'Stage in'. */
  readonly stepName: string;
  /** Where in the state the step keeps its execution ARN, poll count and last status, such as '$.stageIn'. */
  readonly statePath: string;
  /** The task, or the tasks of a pool (a run picks one by its transfer slot). */
  readonly taskArns: string[];
  /** The per-execution `Includes` rule (`{ FilterType, Value }`, Value may be JSONPath); give this or `manifestConfig`. */
  readonly includes?: { [key: string]: string };
  /** The per-execution `ManifestConfig`: the execution copies exactly the objects (and versions) the manifest lists. */
  readonly manifestConfig?: { [key: string]: any };
  /** When the execution is checked. */
  readonly schedule: PollSchedule;
  readonly timeout: Duration;
  /** The name of the prop that sets `timeout`, for errors. */
  readonly timeoutProp: string;
  /** Where failures go; receives `$.error` = `{ Error, Cause }`. */
  readonly onFailure: sfn.IChainable;
}

/**
 * Start a DataSync task execution for one run, then poll it until SUCCESS
 * (on to what `continueWith` names) or ERROR, or until the stage's timeout in polls has passed.
 * Each poll is Wait, Describe, Choice and a counting Pass, so the loop is
 * bounded by a number of polls, not by hope. The wait doubles from poll to
 * poll up to a cap (see `PollSchedule`), so a short transfer is noticed within
 * seconds and a long one costs few state transitions.
 *
 * A stage that gives up (its timeout, or status checks that keep failing)
 * cancels its execution, so that it frees the task's one execution slot and
 * stops writing, and checks up to `MAX_CANCEL_CHECKS` times that it stopped
 * before it reports the failure. The cancel's outcome is kept at
 * `<statePath>.cancel` for the notification.
 */
export class TransferStage extends Construct {
  public readonly startState: sfn.State;
  /** The number of polls after which the stage gives up. */
  public readonly maxPolls: number;
  private readonly stepName: string;
  private readonly timeoutProp: string;
  private readonly path: string;
  private readonly maxWaitSeconds: number;
  private readonly check: sfn.INextable;
  private readonly executionFailed: sfn.IChainable;
  private readonly timedOut: sfn.IChainable;
  /** The next poll: count it, double the wait (or keep the cap), wait again. */
  private readonly nextPoll: sfn.IChainable;
  private readonly nextPollAtCap: sfn.IChainable;

  constructor(scope: Construct, id: string, props: TransferStageProps) {
    super(scope, id);
    const name = props.stepName;
    const path = props.statePath;
    this.stepName = name;
    this.timeoutProp = props.timeoutProp;
    const schedule = props.schedule;
    this.maxPolls = schedule.checksWithin(props.timeout);
    const executions = props.taskArns.map((taskArn) => `${taskArn}/execution/*`);

    const start = new tasks.CallAwsService(this, `${name}: start`, {
      service: 'datasync',
      action: 'startTaskExecution',
      iamAction: 'datasync:StartTaskExecution',
      iamResources: props.taskArns,
      parameters: {
        ...taskArnParameter(props.taskArns),
        ...(props.includes ? { Includes: [props.includes] } : {}),
        ...(props.manifestConfig ? { ManifestConfig: props.manifestConfig } : {}),
      },
      resultSelector: { 'executionArn.$': '$.TaskExecutionArn', 'polls': 0, 'wait': schedule.firstSeconds },
      resultPath: path,
      taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
    });
    start.addRetry(START_RETRY);
    start.addCatch(props.onFailure, { resultPath: '$.error' });

    const cancel = this.cancelAndSettle(name, path, executions, props);

    const wait = new sfn.Wait(this, `${name}: wait`, { time: sfn.WaitTime.secondsPath(`${path}.wait`) });
    const describe = this.describe(`${name}: check`, path, executions);
    describe.addCatch(cancel, { resultPath: '$.error' });

    const executionFailed = new sfn.Pass(this, `${name}: execution failed`, {
      parameters: { 'Error': 'DataSync.TaskExecutionError', 'Cause.$': `States.JsonToString(${path}.check.response)` },
      resultPath: '$.error',
    }).next(props.onFailure);
    const timedOut = new sfn.Pass(this, `${name}: timed out`, {
      parameters: {
        Error: 'Pipeline.StepTimeout',
        Cause: `${name} did not finish within ${props.timeout.toSeconds()} seconds (${this.maxPolls} polls)`,
      },
      resultPath: '$.error',
    }).next(cancel);
    // The next wait is twice this one (MathAdd of the wait to itself), or the cap once doubling would pass it.
    const count = new sfn.Pass(this, `${name}: count poll`, {
      parameters: {
        'executionArn.$': `${path}.executionArn`,
        'polls.$': `States.MathAdd(${path}.polls, 1)`,
        'wait.$': `States.MathAdd(${path}.wait, ${path}.wait)`,
      },
      resultPath: path,
    });
    const countAtCap = new sfn.Pass(this, `${name}: count poll (at cap)`, {
      parameters: { 'executionArn.$': `${path}.executionArn`, 'polls.$': `States.MathAdd(${path}.polls, 1)`, 'wait': schedule.maxSeconds },
      resultPath: path,
    });

    this.path = path;
    this.maxWaitSeconds = schedule.maxSeconds;
    this.executionFailed = executionFailed;
    this.timedOut = timedOut;
    // The loops into the wait are wired before the start is: the order of a state's incoming transitions
    // is the order in which the definition lists the states.
    this.nextPollAtCap = countAtCap.next(wait);
    this.nextPoll = count.next(wait);
    this.check = describe;
    this.startState = start;
    start.next(wait).next(describe);
  }

  /** Continues the run into `next` once the execution succeeded: the check's Choice, which also loops, fails or gives up. */
  public continueWith(next: sfn.IChainable): void {
    const path = this.path;
    const done = new sfn.Choice(this, `${this.stepName}: done?`)
      .when(sfn.Condition.stringEquals(`${path}.check.status`, 'SUCCESS'), next)
      .when(sfn.Condition.stringEquals(`${path}.check.status`, 'ERROR'), this.executionFailed)
      .when(sfn.Condition.numberGreaterThanEquals(`${path}.polls`, this.maxPolls - 1), this.timedOut)
      .when(sfn.Condition.numberGreaterThan(`${path}.wait`, this.maxWaitSeconds / 2), this.nextPollAtCap)
      .otherwise(this.nextPoll);
    this.check.next(done);
  }

  /**
   * The worst case of this stage in execution history events: every call
   * retried to its last attempt, every poll used, the cancel and all its checks.
   */
  public historyPart(): HistoryPart {
    const startEvents = taskEvents(START_RETRY.maxAttempts! - 1);
    const checkEvents = taskEvents(READ_RETRY.maxAttempts! - 1);
    const pollEvents = flowEvents() + checkEvents + flowEvents() + flowEvents();
    const cancelEvents = taskEvents(READ_RETRY.maxAttempts! - 1) + MAX_CANCEL_CHECKS * pollEvents;
    return {
      step: `${this.stepName.toLowerCase()} (DataSync, ${this.maxPolls} status checks)`,
      events: startEvents + this.maxPolls * pollEvents + flowEvents() + cancelEvents,
      remedy: `lower '${this.timeoutProp}' or raise 'maxPollInterval'`,
    };
  }

  private describe(stateName: string, path: string, executions: string[]): tasks.CallAwsService {
    const describe = new tasks.CallAwsService(this, stateName, {
      service: 'datasync',
      action: 'describeTaskExecution',
      iamAction: 'datasync:DescribeTaskExecution',
      iamResources: executions,
      parameters: { 'TaskExecutionArn.$': `${path}.executionArn` },
      resultSelector: { 'status.$': '$.Status', 'response.$': '$' },
      resultPath: `${path}.check`,
      taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
    });
    describe.addRetry(READ_RETRY);
    return describe;
  }

  /**
   * Cancel -> wait -> check -> stopped? (loop at most MAX_CANCEL_CHECKS times) -> onFailure.
   * A cancel that DataSync refuses (the execution already ended) or a check
   * that fails goes to onFailure as well: the run's own error is kept in `$.error`.
   */
  private cancelAndSettle(name: string, path: string, executions: string[], props: TransferStageProps): sfn.State {
    const cancel = new tasks.CallAwsService(this, `${name}: cancel`, {
      service: 'datasync',
      action: 'cancelTaskExecution',
      iamAction: 'datasync:CancelTaskExecution',
      iamResources: executions,
      parameters: { 'TaskExecutionArn.$': `${path}.executionArn` },
      resultSelector: { requested: true, checks: 0 },
      resultPath: `${path}.cancel`,
      taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
    });
    // A refused cancel (InvalidRequestException: the execution has already ended) is not retried.
    cancel.addRetry({ ...READ_RETRY, errors: [DATASYNC_ERRORS.INTERNAL, DATASYNC_ERRORS.UNMODELLED, sfn.Errors.TIMEOUT] });
    cancel.addCatch(props.onFailure, { resultPath: `${path}.cancel` });

    const wait = new sfn.Wait(this, `${name}: wait for cancel`, { time: sfn.WaitTime.duration(CANCEL_CHECK_INTERVAL) });
    const check = this.describe(`${name}: check cancel`, path, executions);
    check.addCatch(props.onFailure, { resultPath: `${path}.cancel.checkError` });
    const count = new sfn.Pass(this, `${name}: count cancel check`, {
      parameters: { 'requested': true, 'checks.$': `States.MathAdd(${path}.cancel.checks, 1)` },
      resultPath: `${path}.cancel`,
    });
    const stopped = new sfn.Choice(this, `${name}: stopped?`)
      .when(sfn.Condition.and(
        sfn.Condition.or(...UNFINISHED_EXECUTION_STATUSES.map((status) => sfn.Condition.stringEquals(`${path}.check.status`, status))),
        sfn.Condition.numberLessThan(`${path}.cancel.checks`, MAX_CANCEL_CHECKS - 1),
      ), count.next(wait))
      .otherwise(props.onFailure);
    cancel.next(wait).next(check).next(stopped);
    return cancel;
  }
}

/**
 * `TaskArn` of the start call: the task itself, or for a pool the task of
 * this run's slot, picked with intrinsics from `$.transferSlot`.
 */
function taskArnParameter(taskArns: string[]): Record<string, string> {
  if (taskArns.length === 1) {
    return { TaskArn: taskArns[0] };
  }
  const slotToIndex = Array.from({ length: TRANSFER_SLOTS }, (_, slot) => slot % taskArns.length).join(', ');
  const arns = taskArns.map((arn) => `'${arn}'`).join(', ');
  return { 'TaskArn.$': `States.ArrayGetItem(States.Array(${arns}), States.ArrayGetItem(States.Array(${slotToIndex}), $.transferSlot))` };
}

/** The task of a transfer, or every task of its pool. */
export function transferTaskArns(transfer: StageInTransfer | StageOutTransfer): string[] {
  const pool = (transfer as { taskArns?: string[] }).taskArns;
  return pool && pool.length > 0 ? pool : [transfer.taskArn];
}
