import { ExecutionEngine, ExecutionOutcome } from './execution-engine';
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
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  /** How it ended, once it did. */
  result?: ExecutionOutcome;
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

  public constructor(private readonly stateMachine: LocalStateMachine, private readonly engine: ExecutionEngine) {}

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
    const started: StartedExecution = {
      name,
      arn,
      input,
      startDate: new Date(),
      status: 'RUNNING',
      outcome: Promise.resolve().then(() => this.engine.run({ name, arn, input: parsed })).then((outcome) => {
        started.result = outcome;
        started.status = outcome.status;
        return outcome;
      }),
    };
    this.executions.set(name, started);
    for (const listener of this.listeners) listener(started);
    return { executionArn: arn, startDate: started.startDate };
  }

  public describeExecution(request: { executionArn?: unknown }): Record<string, unknown> {
    const execution = [...this.executions.values()].find((candidate) => candidate.arn === request.executionArn);
    if (!execution) {
      throw serviceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(request.executionArn)}'`);
    }
    return {
      executionArn: execution.arn,
      stateMachineArn: this.stateMachine.arn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      input: execution.input,
      // What DescribeExecution adds once an execution closed.
      ...(execution.result ? { stopDate: new Date(execution.result.stoppedAt) } : {}),
      ...(execution.result?.status === 'SUCCEEDED' ? { output: JSON.stringify(execution.result.output ?? null) } : {}),
      ...(execution.result?.error !== undefined ? { error: execution.result.error } : {}),
      ...(execution.result?.cause !== undefined ? { cause: execution.result.cause } : {}),
    };
  }
}
