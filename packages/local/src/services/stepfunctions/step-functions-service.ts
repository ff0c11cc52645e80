import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { EngineEvent, ExecutionEngine, ExecutionOutcome } from './execution-engine';
import { LocalStateMachine } from '../../model/pipeline-model';
import { writeWholeFile } from '../../runtime/write-whole-file';
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

  private keptIn?: string;

  public constructor(public readonly stateMachine: LocalStateMachine, private readonly engine: ExecutionEngine) {}

  /**
   * Keeps each execution that ends in `directory` (`<name>.json`: its input, outcome and engine
   * events) and reads back the ones an earlier process of the same state directory kept, so that
   * ListExecutions, DescribeExecution and GetExecutionHistory of a later process (the CLI's
   * `runs`, `follow`, `fetch`, `logs` on the app folder) show them. Only executions of this state
   * machine are read back, and their names stay taken as Step Functions keeps a Standard execution's
   * name (ExecutionAlreadyExists), so a re-run gets the next free name and a second back-fill
   * starts nothing already run, in this process or a later one.
   */
  public keepIn(directory: string): void {
    mkdirSync(directory, { recursive: true });
    this.keptIn = directory;
    const prefix = this.stateMachine.arn.replace(':stateMachine:', ':execution:') + ':';
    const kept: StartedExecution[] = [];
    for (const file of readdirSync(directory).filter((name) => name.endsWith('.json'))) {
      let record: KeptExecution;
      try {
        record = JSON.parse(readFileSync(path.join(directory, file), 'utf-8')) as KeptExecution;
      } catch {
        continue; // A file cut short (the process was killed while writing it) is not history.
      }
      if (typeof record.arn !== 'string' || !record.arn.startsWith(prefix) || this.executions.has(record.name) || !record.result) continue;
      kept.push({
        name: record.name,
        arn: record.arn,
        input: record.input,
        startDate: new Date(record.startDate),
        status: record.result.status,
        result: record.result,
        events: record.events,
        outcome: Promise.resolve(record.result),
        stop: new AbortController(),
        ...(record.stopped ? { stopped: { ...record.stopped, stopDate: new Date(record.stopped.stopDate) } } : {}),
      });
    }
    // Oldest first, as the executions of this process are kept (ListExecutions reverses them).
    for (const execution of kept.sort((a, b) => a.startDate.getTime() - b.startDate.getTime())) this.executions.set(execution.name, execution);
  }

  private keep(execution: StartedExecution): void {
    if (this.keptIn === undefined) return;
    const record: KeptExecution = {
      name: execution.name,
      arn: execution.arn,
      input: execution.input,
      startDate: execution.startDate.toISOString(),
      result: execution.result!,
      events: execution.events,
      ...(execution.stopped ? { stopped: { ...execution.stopped, stopDate: execution.stopped.stopDate.toISOString() } } : {}),
    };
    writeWholeFile(path.join(this.keptIn, `${execution.name}.json`), JSON.stringify(record));
  }

  /** Called for every execution started. */
  public onStart(listener: (execution: StartedExecution) => void): void {
    this.listeners.push(listener);
  }

  public startExecution(request: { stateMachineArn?: unknown; name?: unknown; input?: unknown }): { executionArn: string; startDate: Date } {
    if (request.stateMachineArn !== this.stateMachine.arn) {
      if (typeof request.stateMachineArn !== 'string'
        || !/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+(:[^:]+)?$/.test(request.stateMachineArn)) {
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
          this.keep(started);
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

/** An ended execution as `keepIn` writes it. */
interface KeptExecution {
  readonly name: string;
  readonly arn: string;
  readonly input: string;
  readonly startDate: string;
  readonly result: ExecutionOutcome;
  readonly events: EngineEvent[];
  readonly stopped?: { readonly error?: string; readonly cause?: string; readonly stopDate: string };
}

/** DescribeExecution's `error` and `cause`: how the execution ended, else what StopExecution was given. */
function errorAndCause(execution: StartedExecution): { error?: string; cause?: string } {
  const error = execution.result?.error ?? execution.stopped?.error;
  const cause = execution.result?.cause ?? execution.stopped?.cause;
  return { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) };
}
