import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/**
 * Errors of DataSync's StartTaskExecution worth retrying: throttling, service
 * faults, and InvalidRequestException, which DataSync also returns while a
 * task's execution queue is full. A configuration error fails the run after
 * the last attempt, so it cannot loop.
 */
export const TRANSIENT_START_ERRORS = ['DataSync.ThrottlingException', 'DataSync.InternalException', 'DataSync.InvalidRequestException'];
const TRANSIENT_DESCRIBE_ERRORS = ['DataSync.ThrottlingException', 'DataSync.InternalException'];
const API_CALL_TIMEOUT = Duration.seconds(60);

export interface TransferStageProps {
  /** Human name of the step, used in state names and notifications, such as 'Stage in'. */
  readonly stepName: string;
  /** Where in the state the step keeps its execution ARN, poll count and last status, such as '$.stageIn'. */
  readonly statePath: string;
  readonly taskArn: string;
  /** The per-execution `Includes` rule (`{ FilterType, Value }`, Value may be JSONPath). */
  readonly includes: { [key: string]: string };
  readonly pollInterval: Duration;
  readonly timeout: Duration;
  /** Where failures go; receives `$.error` = `{ Error, Cause }`. */
  readonly onFailure: sfn.IChainable;
  /** Where the run continues once the execution succeeded. */
  readonly next: sfn.IChainable;
}

/**
 * Start a DataSync task execution for one run, then poll it until SUCCESS
 * (on to `next`) or ERROR, or until the stage's timeout in polls has
 * passed (both go to `onFailure`). Each poll is Wait, Describe, Choice and a
 * counting Pass, so the loop is bounded by a number of polls, not by hope.
 */
export class TransferStage extends Construct {
  public readonly startState: sfn.State;
  /** The number of polls after which the stage gives up. */
  public readonly maxPolls: number;

  constructor(scope: Construct, id: string, props: TransferStageProps) {
    super(scope, id);
    const name = props.stepName;
    const path = props.statePath;
    this.maxPolls = Math.ceil(props.timeout.toSeconds() / props.pollInterval.toSeconds());

    const start = new tasks.CallAwsService(this, `${name}: start`, {
      service: 'datasync',
      action: 'startTaskExecution',
      iamAction: 'datasync:StartTaskExecution',
      iamResources: [props.taskArn],
      parameters: { TaskArn: props.taskArn, Includes: [props.includes] },
      resultSelector: { 'executionArn.$': '$.TaskExecutionArn', 'polls': 0 },
      resultPath: path,
      taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
    });
    start.addRetry({
      errors: TRANSIENT_START_ERRORS,
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 6,
      maxDelay: Duration.seconds(60),
      jitterStrategy: sfn.JitterType.FULL,
    });
    start.addCatch(props.onFailure, { resultPath: '$.error' });

    const wait = new sfn.Wait(this, `${name}: wait`, { time: sfn.WaitTime.duration(props.pollInterval) });
    const describe = new tasks.CallAwsService(this, `${name}: check`, {
      service: 'datasync',
      action: 'describeTaskExecution',
      iamAction: 'datasync:DescribeTaskExecution',
      iamResources: [`${props.taskArn}/execution/*`],
      parameters: { 'TaskExecutionArn.$': `${path}.executionArn` },
      resultSelector: { 'status.$': '$.Status', 'response.$': '$' },
      resultPath: `${path}.check`,
      taskTimeout: sfn.Timeout.duration(API_CALL_TIMEOUT),
    });
    describe.addRetry({ errors: TRANSIENT_DESCRIBE_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 4 });
    describe.addCatch(props.onFailure, { resultPath: '$.error' });

    const executionFailed = new sfn.Pass(this, `${name}: execution failed`, {
      parameters: { 'Error': 'DataSync.TaskExecutionError', 'Cause.$': `States.JsonToString(${path}.check.response)` },
      resultPath: '$.error',
    }).next(props.onFailure);
    const timedOut = new sfn.Pass(this, `${name}: timed out`, {
      parameters: { Error: 'Pipeline.StepTimeout', Cause: `${name} did not finish within ${props.timeout.toSeconds()} seconds (${this.maxPolls} polls)` },
      resultPath: '$.error',
    }).next(props.onFailure);
    const count = new sfn.Pass(this, `${name}: count poll`, {
      parameters: { 'executionArn.$': `${path}.executionArn`, 'polls.$': `States.MathAdd(${path}.polls, 1)` },
      resultPath: path,
    });

    const done = new sfn.Choice(this, `${name}: done?`)
      .when(sfn.Condition.stringEquals(`${path}.check.status`, 'SUCCESS'), props.next)
      .when(sfn.Condition.stringEquals(`${path}.check.status`, 'ERROR'), executionFailed)
      .when(sfn.Condition.numberGreaterThanEquals(`${path}.polls`, this.maxPolls - 1), timedOut)
      .otherwise(count.next(wait));

    this.startState = start;
    start.next(wait).next(describe).next(done);
  }
}
