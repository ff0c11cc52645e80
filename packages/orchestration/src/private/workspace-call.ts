import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { flowEvents, taskEvents } from './history-budget';

/** The retries CDK's LambdaInvoke adds for Lambda service errors (retryOnServiceExceptions). */
const LAMBDA_SERVICE_RETRIES = 6;

/** Worst-case history events of one workspace call, its service-error retries included. */
export const WORKSPACE_CALL_EVENTS = taskEvents(LAMBDA_SERVICE_RETRIES);

/** Worst-case history events of a Choice or Pass state. */
export const FLOW_STATE_EVENTS = flowEvents();

export interface WorkspaceCallOptions {
  /** The action and its fields; `runId` and `stagedPath` are added to every call. */
  readonly payload: Record<string, unknown>;
  /** What of the function's answer the run keeps. */
  readonly resultSelector: Record<string, string>;
  readonly resultPath: string;
  /** How long the state waits for the function. */
  readonly timeout: Duration;
}

/**
 * Builds the Task states that invoke the workspace function, all with the same
 * common payload: the run id and where a DataSync stage-in puts the upload.
 */
export class WorkspaceCalls {
  constructor(
    private readonly scope: Construct,
    private readonly fn: lambda.IFunction,
    private readonly stagedPath: string,
  ) {}

  public call(stateName: string, options: WorkspaceCallOptions): tasks.LambdaInvoke {
    return new tasks.LambdaInvoke(this.scope, stateName, {
      lambdaFunction: this.fn,
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$.runId'), stagedPath: this.stagedPath, ...options.payload }),
      resultSelector: options.resultSelector,
      resultPath: options.resultPath,
      taskTimeout: sfn.Timeout.duration(options.timeout),
    });
  }
}
