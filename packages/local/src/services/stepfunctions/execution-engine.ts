// aws-local-stepfunctions declares ES module types but ships a CommonJS build, which this
// CommonJS package loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions', { with: { 'resolution-mode': 'import' } });
import { scaledSeconds, TaskLimit, taskLimit, taskLimitMs, timed, timedByEngine, timerOf } from './task-timeouts';
import { LocalStateMachine } from '../../model/pipeline-model';
import { RuntimeEvents, TaskIntegration } from '../task-integration';

/** How one execution ended. */
export interface ExecutionOutcome {
  /** DescribeExecution's statuses; ABORTED: stopped (StopExecution, or the local runtime interrupted). */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  /** The state the execution was in when it timed out or was aborted. */
  readonly state?: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** States entered plus retries: what Step Functions bills as state transitions. */
  readonly transitions: number;
  readonly startedAt: number;
  readonly stoppedAt: number;
}

export interface ExecutionRequest {
  readonly name: string;
  readonly arn: string;
  readonly input: unknown;
  /** Receives every event of aws-local-stepfunctions' event log (for the execution's history). */
  readonly onEvent?: (event: EngineEvent) => void;
  /** Aborts the execution (StopExecution): no further state starts, and the outcome is ABORTED. */
  readonly signal?: AbortSignal;
}

/** One entry of aws-local-stepfunctions' event log. */
export type EngineEvent = Awaited<ReturnType<ReturnType<InstanceType<typeof StateMachine>['run']>['eventLogs']['next']>>['value'] & {
  readonly type: string; readonly timestamp: number;
};

export interface ExecutionEngineOptions {
  /**
   * Multiplies Wait states, retry intervals and timeouts: 1 waits as the definition says, 0.01
   * makes a 5 s wait 50 ms and a Task's one-hour TimeoutSeconds 36 s (HeartbeatSeconds and the
   * execution's TimeoutSeconds too; see task-timeouts.ts). A wait whose length comes from the state's input (`SecondsPath`) is scaled
   * too, from the value it reads in each execution; a `Timestamp`/`TimestampPath` wait is taken
   * as 5 s. Retries wait their `IntervalSeconds` times the scale (no backoff, no jitter).
   */
  readonly timeScale: number;
  readonly events: RuntimeEvents;
}

/** Seconds a `Timestamp` or `TimestampPath` wait is taken to be when waits are compressed. */
const COMPRESSED_TIMESTAMP_WAIT_SECONDS = 5;

/** The resource of a compressed `SecondsPath` wait: answered by the engine itself. */
const COMPRESSED_WAIT_RESOURCE = 'arn:aws:states:::batch-pipeline-local:wait';

/**
 * The definition with every `SecondsPath` Wait made a Task the engine answers by waiting the
 * seconds it reads times the scale: aws-local-stepfunctions overrides a wait with one fixed
 * length per state, which would shorten a doubling poll (5 s, 10 s, ... 300 s) to the same few
 * milliseconds each time and let a poll budget meant for an hour run out in a second. The Task
 * reads the same path, passes its input on unchanged (`ResultPath: null`) and keeps the state's
 * name, paths and transitions, so what the execution does is unchanged.
 */
function withCompressedPathWaits(definition: Record<string, any>): Record<string, any> {
  const states = Object.fromEntries(Object.entries<Record<string, any>>(definition.States ?? {}).map(([name, state]) => {
    let next = state;
    if (state.Type === 'Wait' && typeof state.SecondsPath === 'string') {
      const { SecondsPath: secondsPath, Type: _type, ...rest } = state;
      next = { ...rest, Type: 'Task', Resource: COMPRESSED_WAIT_RESOURCE, Parameters: { 'seconds.$': secondsPath }, ResultPath: null };
    }
    if (next.Iterator) next = { ...next, Iterator: withCompressedPathWaits(next.Iterator) };
    if (next.ItemProcessor) next = { ...next, ItemProcessor: withCompressedPathWaits(next.ItemProcessor) };
    if (next.Branches) next = { ...next, Branches: next.Branches.map((branch: Record<string, any>) => withCompressedPathWaits(branch)) };
    return [name, next];
  }));
  return { ...definition, States: states };
}

/** Every Task state of a definition, nested Map and Parallel states included. */
function taskStates(definition: Record<string, any>): Array<[string, Record<string, any>]> {
  return Object.entries<Record<string, any>>(definition.States ?? {}).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [[name, state] as [string, Record<string, any>]] : []),
    ...(state.Iterator ? taskStates(state.Iterator) : []),
    ...(state.ItemProcessor ? taskStates(state.ItemProcessor) : []),
    ...(state.Branches ?? []).flatMap((branch: Record<string, any>) => taskStates(branch)),
  ]);
}

/** Every state of a definition, nested Map and Parallel states included (names are unique across them). */
function allStates(definition: Record<string, any>): Array<[string, Record<string, any>]> {
  return Object.entries<Record<string, any>>(definition.States ?? {}).flatMap(([name, state]) => [
    [name, state] as [string, Record<string, any>],
    ...(state.Iterator ? allStates(state.Iterator) : []),
    ...(state.ItemProcessor ? allStates(state.ItemProcessor) : []),
    ...(state.Branches ?? []).flatMap((branch: Record<string, any>) => allStates(branch)),
  ]);
}

/**
 * Runs executions of one state machine with aws-local-stepfunctions. Every Task state is
 * answered by the emulated service its `Resource` names; a resource no integration handles
 * fails the state with `States.TaskFailed`, as a call AWS could not make would.
 */
export class ExecutionEngine {
  private readonly machine: InstanceType<typeof StateMachine>;
  /** Each Task state with the service that answers it (undefined: none does). */
  private readonly tasks: Array<{
    readonly stateName: string;
    readonly resource: string;
    readonly integration?: TaskIntegration;
    readonly limit?: TaskLimit;
  }>;
  /** Each execution running: how to abort it, and the state it is in. */
  private readonly running = new Map<string, { readonly abort: () => void; state?: string; aborted?: boolean; timedOut?: boolean }>();
  private readonly waitTimeOverrides?: Record<string, number>;
  private readonly retryIntervalOverrides?: Record<string, number[]>;

  public constructor(
    private readonly stateMachine: LocalStateMachine,
    integrations: readonly TaskIntegration[],
    private readonly options: ExecutionEngineOptions,
  ) {
    const definition = options.timeScale === 1 ? stateMachine.definition : withCompressedPathWaits(stateMachine.definition);
    // ARNs are local ones, which the library's ARN check would refuse as foreign.
    this.machine = new StateMachine(timedByEngine(definition) as ConstructorParameters<typeof StateMachine>[0],
      { validationOptions: { checkArn: false } });
    const compressedWait: TaskIntegration = {
      handles: (resource) => resource === COMPRESSED_WAIT_RESOURCE,
      call: async ({ parameters, stateName }) => {
        const seconds = Number(parameters.seconds);
        if (!Number.isInteger(seconds) || seconds < 0) {
          // As Step Functions fails a Wait whose SecondsPath is not a non-negative integer.
          const error = new Error(`The SecondsPath parameter of state '${stateName}' does not reference a valid non-negative integer: `
            + `${parameters.seconds}`);
          error.name = 'States.Runtime';
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000 * options.timeScale));
        return {};
      },
    };
    const tasks = taskStates(definition);
    this.tasks = tasks.map(([stateName, state]) => ({
      stateName,
      resource: state.Resource,
      integration: [compressedWait, ...integrations].find((candidate) => candidate.handles(state.Resource)),
      limit: state.Resource === COMPRESSED_WAIT_RESOURCE ? undefined : taskLimit(state),
    }));
    if (options.timeScale !== 1) {
      const scaled = (seconds: number) => Math.max(1, Math.round(seconds * 1000 * options.timeScale));
      // Waits and retriers inside Map and Parallel states too: the library applies overrides by state name at any depth.
      const states = allStates(definition);
      this.waitTimeOverrides = Object.fromEntries(states.filter(([, state]) => state.Type === 'Wait')
        .map(([name, state]) => [name, scaled(typeof state.Seconds === 'number' ? state.Seconds : COMPRESSED_TIMESTAMP_WAIT_SECONDS)]));
      this.retryIntervalOverrides = Object.fromEntries(states.filter(([, state]) => state.Retry && state.Resource !== COMPRESSED_WAIT_RESOURCE)
        .map(([name, state]) => [name, (state.Retry as Array<{ IntervalSeconds?: number }>).map((retrier) => scaled(retrier.IntervalSeconds ?? 1))]));
    }
  }

  /** The executions running, with the state each is in. */
  public get executionsRunning(): ReadonlyArray<{ readonly name: string; readonly state?: string }> {
    return [...this.running.entries()].map(([name, execution]) => ({ name, state: execution.state }));
  }

  /** Aborts every execution running: each ends ABORTED ("Interrupted") in the state it was in. */
  public abortAll(): void {
    for (const execution of this.running.values()) {
      execution.aborted = true;
      execution.abort();
    }
  }

  /** Runs one execution to its end. */
  public async run(request: ExecutionRequest): Promise<ExecutionOutcome> {
    const startedAt = Date.now();
    const input = JSON.parse(JSON.stringify(request.input ?? {}));
    // aws-local-stepfunctions calls a handler with the state's parameters only: the
    // handlers of each execution are made for it, so that concurrent executions stay apart.
    const scale = this.options.timeScale;
    // Aborted when the execution ends: a Task whose call is still pending then (a run stopped or
    // timed out while a job runs, a call that never answers) settles, so that neither the Task's
    // time limit nor the library's own timer outlives the execution and holds the process open.
    const ended = new AbortController();
    const handlers = Object.fromEntries(this.tasks.map(({ stateName, resource, integration, limit }) => [stateName, async (parameters: any) => {
      // What the history's TaskScheduled, TaskSubmitted and TaskSucceeded show: the parameters the
      // call was made with (the state's Parameters resolved), then the service's own answers, before
      // the state's ResultSelector, ResultPath and OutputPath (events of this runtime, not the library's).
      const report = (type: 'TaskParameters' | 'TaskSubmitted' | 'TaskResult', output: unknown) => {
        const event = { type, timestamp: Date.now(), state: { name: stateName }, output: JSON.parse(JSON.stringify(output ?? {})) };
        request.onEvent?.(event as unknown as EngineEvent);
      };
      report('TaskParameters', parameters);
      if (!integration) {
        const error = new Error(`the local runtime does not emulate ${resource} (state '${stateName}')`);
        error.name = 'States.TaskFailed';
        throw error;
      }
      const execution = { name: request.name, arn: request.arn };
      const onSubmitted = (output: unknown) => report('TaskSubmitted', output);
      const call = untilEnded(integration.call({ resource, stateName, parameters, execution, onSubmitted }), ended.signal, stateName);
      const limitMs = limit ? taskLimitMs(resource, limit.seconds, scale) : 0;
      const atScale = !limit || limitMs === limit.seconds * 1000 ? '' : `, ${Number((limitMs / 1000).toFixed(3))} s at time scale ${scale}`;
      const result = limit ? await timed(call, limitMs, `the Task state '${stateName}' ran longer than its ${limit.field} (${limit.seconds} `
        + `s${atScale})`) : await call;
      report('TaskResult', result);
      // What a service answers travels as JSON.
      return result === undefined ? {} : JSON.parse(JSON.stringify(result));
    }]));
    const execution = this.machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        ...(this.waitTimeOverrides ? { waitTimeOverrides: this.waitTimeOverrides } : {}),
        ...(this.retryIntervalOverrides ? { retryIntervalOverrides: this.retryIntervalOverrides } : {}),
      },
      context: {
        Execution: {
          Id: request.arn,
          Name: request.name,
          Input: input,
          StartTime: new Date(startedAt).toISOString(),
          RoleArn: `arn:aws:iam::${this.stateMachine.arn.split(':')[4]}:role/${this.stateMachine.name}-role`,
        },
        StateMachine: { Id: this.stateMachine.arn, Name: this.stateMachine.name },
      },
    });
    const live: { abort: () => void; state?: string; aborted?: boolean; timedOut?: boolean } = { abort: () => execution.abort() };
    this.running.set(request.name, live);
    // The execution's TimeoutSeconds, at the time scale (the library's own timer is taken out).
    const executionLimit = this.stateMachine.definition.TimeoutSeconds;
    const executionTimer = typeof executionLimit === 'number' ? timerOf(executionLimit * 1000 * scale, () => {
      live.timedOut = true;
      execution.abort();
    }) : undefined;
    let transitions = 0;
    const abort = () => execution.abort();
    if (request.signal?.aborted) abort();
    request.signal?.addEventListener('abort', abort, { once: true });
    const counting = (async () => {
      for await (const event of execution.eventLogs) {
        request.onEvent?.(event as EngineEvent);
        if (event.type === 'StateEntered' || event.type === 'StateRetried') {
          transitions++;
        }
        if (event.type === 'StateEntered') {
          live.state = event.state.name;
          this.options.events.emit({ type: 'state-entered', execution: request.name, state: event.state.name, at: Date.now() });
        }
      }
    })();
    try {
      const output = await execution.result;
      await counting;
      return { status: 'SUCCEEDED', output, transitions, startedAt, stoppedAt: Date.now() };
    } catch (error) {
      await counting.catch(() => undefined);
      const inState = live.state ? { state: live.state } : {};
      if (live.timedOut) {
        const scaled = scale === 1 ? '' : `, ${scaledSeconds(executionLimit, scale)} at time scale ${scale}`;
        return {
          status: 'TIMED_OUT',
          error: 'States.Timeout',
          cause: `the execution ran longer than its TimeoutSeconds (${executionLimit} s${scaled}), in state '${live.state}'`,
          transitions,
          startedAt,
          stoppedAt: Date.now(),
          ...inState,
        };
      }
      if (live.aborted) {
        return {
          status: 'ABORTED',
          error: 'Interrupted',
          cause: `the local runtime stopped the execution in state '${live.state}'`,
          transitions,
          startedAt,
          stoppedAt: Date.now(),
          ...inState,
        };
      }
      if (request.signal?.aborted) return { status: 'ABORTED', transitions, startedAt, stoppedAt: Date.now() };
      const failure = error as { name: string; message: string; cause?: { name?: string; message?: string } };
      return {
        status: 'FAILED',
        error: failure.cause?.name ?? failure.name,
        cause: failure.cause?.message ?? failure.message,
        transitions,
        startedAt,
        stoppedAt: Date.now(),
      };
    } finally {
      clearTimeout(executionTimer);
      ended.abort();
      this.running.delete(request.name);
    }
  }
}

/** The call's answer, or a rejection once `ended` aborts (the execution that made the call has ended, so no one reads the answer). */
function untilEnded<T>(call: Promise<T>, ended: AbortSignal, stateName: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onEnded = () => {
      const error = new Error(`the execution ended while its Task state '${stateName}' was waiting for its call`);
      error.name = 'States.Runtime';
      reject(error);
    };
    ended.addEventListener('abort', onEnded, { once: true });
    call.then(resolve, reject).finally(() => ended.removeEventListener('abort', onEnded));
  });
}
