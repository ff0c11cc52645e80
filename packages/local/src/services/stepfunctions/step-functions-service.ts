import { EngineEvent, ExecutionEngine, ExecutionOutcome } from './execution-engine';
import { LocalStateMachine } from '../../model/pipeline-model';
import { serviceError, stepFunctionsExecutionNameError } from '../service-rules';

/** StartExecution's `input` limit: 256 KiB of UTF-8 (Step Functions quotas). */
const MAX_INPUT_BYTES = 256 * 1024;

/** One execution the service started. */
export interface StartedExecution {
  readonly name: string;
  readonly arn: string;
  readonly input: string;
  readonly startDate: Date;
  /** Resolves when the execution ended. */
  readonly outcome: Promise<ExecutionOutcome>;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  /** How it ended, once it did. */
  result?: ExecutionOutcome;
  /** What the engine reported, in order, with when (GetExecutionHistory builds on it). */
  readonly events: EngineEvent[];
  /** Ends the execution (StopExecution). */
  readonly stop: AbortController;
  /** StopExecution's `error` and `cause`, once it was stopped. */
  stopped?: { readonly error?: string; readonly cause?: string; readonly stopDate: Date };
}

/**
 * Step Functions for one state machine, as StartExecution and DescribeExecution behave
 * for a Standard workflow: names follow the API's rule, the input must be JSON within the
 * quota, and a name is taken for good (a Standard execution name cannot be reused for 90
 * days): the same name with the same input while the execution runs returns that execution
 * (idempotent), otherwise `ExecutionAlreadyExists`.
 */
export class StepFunctionsService {
  public readonly executions = new Map<string, StartedExecution>();
  private readonly listeners: Array<(execution: StartedExecution) => void> = [];
  private readonly stopListeners: Array<(execution: StartedExecution) => void> = [];

  public constructor(public readonly stateMachine: LocalStateMachine, private readonly engine: ExecutionEngine) {}

  /** Called for every execution started. */
  public onStart(listener: (execution: StartedExecution) => void): void {
    this.listeners.push(listener);
  }

  public startExecution(request: { stateMachineArn?: unknown; name?: unknown; input?: unknown }): { executionArn: string; startDate: Date } {
    if (request.stateMachineArn !== this.stateMachine.arn) {
      if (typeof request.stateMachineArn !== 'string' || !/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+(:[^:]+)?$/.test(request.stateMachineArn)) {
        throw serviceError('InvalidArn', `Invalid Arn: '${String(request.stateMachineArn)}'`);
      }
      throw serviceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${request.stateMachineArn}'`);
    }
    const name = typeof request.name === 'string' ? request.name : `local-${Date.now()}-${this.executions.size}`;
    const nameError = stepFunctionsExecutionNameError(name);
    if (nameError) {
      throw serviceError('InvalidName', `Invalid Name: '${name}' (${nameError})`);
    }
    const input = request.input === undefined ? '{}' : String(request.input);
    if (Buffer.byteLength(input, 'utf-8') > MAX_INPUT_BYTES) {
      throw serviceError('InvalidExecutionInput', `Invalid Execution Input: larger than ${MAX_INPUT_BYTES} bytes`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw serviceError('InvalidExecutionInput', `Invalid Execution Input: not JSON: ${input.slice(0, 100)}`);
    }
    const existing = this.executions.get(name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn: existing.arn, startDate: existing.startDate };
      }
      throw serviceError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.arn}'`);
    }
    const arn = this.stateMachine.arn.replace(':stateMachine:', ':execution:') + `:${name}`;
    const events: EngineEvent[] = [];
    const stop = new AbortController();
    const started: StartedExecution = {
      name,
      arn,
      input,
      startDate: new Date(),
      status: 'RUNNING',
      events,
      stop,
      outcome: Promise.resolve()
        .then(() => this.engine.run({ name, arn, input: parsed, onEvent: (event) => events.push(event), signal: stop.signal }))
        .then((outcome) => {
          started.result = outcome;
          started.status = outcome.status;
          return outcome;
        }),
    };
    this.executions.set(name, started);
    for (const listener of this.listeners) listener(started);
    return { executionArn: arn, startDate: started.startDate };
  }

  /** The execution an ARN names: InvalidArn for what is no execution ARN, ExecutionDoesNotExist for one never started. */
  public execution(executionArn: unknown): StartedExecution {
    if (typeof executionArn !== 'string' || !/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/.test(executionArn)) {
      throw serviceError('InvalidArn', `Invalid Arn: '${String(executionArn)}'`);
    }
    const execution = [...this.executions.values()].find((candidate) => candidate.arn === executionArn);
    if (!execution) {
      throw serviceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    }
    return execution;
  }

  /**
   * StopExecution: a running execution becomes ABORTED at once (no further state starts; the
   * listeners of `onStop` end what it started); stopping one that already ended changes nothing.
   */
  public stopExecution(request: { executionArn?: unknown; error?: unknown; cause?: unknown }): { stopDate: Date } {
    const execution = this.execution(request.executionArn);
    if (execution.status !== 'RUNNING') return { stopDate: execution.stopped?.stopDate ?? new Date(execution.result?.stoppedAt ?? Date.now()) };
    const stopDate = new Date();
    execution.stopped = {
      stopDate,
      ...(typeof request.error === 'string' ? { error: request.error } : {}),
      ...(typeof request.cause === 'string' ? { cause: request.cause } : {}),
    };
    execution.status = 'ABORTED';
    execution.stop.abort();
    for (const listener of this.stopListeners) listener(execution);
    return { stopDate };
  }

  /** Called for every execution StopExecution stopped. */
  public onStop(listener: (execution: StartedExecution) => void): void {
    this.stopListeners.push(listener);
  }

  public describeExecution(request: { executionArn?: unknown }): Record<string, unknown> {
    const execution = this.execution(request.executionArn);
    return {
      executionArn: execution.arn,
      stateMachineArn: this.stateMachine.arn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      input: execution.input,
      // What DescribeExecution adds once an execution closed.
      ...(execution.stopped ? { stopDate: execution.stopped.stopDate } : execution.result ? { stopDate: new Date(execution.result.stoppedAt) } : {}),
      ...(execution.result?.status === 'SUCCEEDED' ? { output: JSON.stringify(execution.result.output ?? null) } : {}),
      ...errorAndCause(execution),
    };
  }
}

/** DescribeExecution's `error` and `cause`: how the execution ended, else what StopExecution was given. */
function errorAndCause(execution: StartedExecution): { error?: string; cause?: string } {
  const error = execution.result?.error ?? execution.stopped?.error;
  const cause = execution.result?.cause ?? execution.stopped?.cause;
  return { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) };
}
