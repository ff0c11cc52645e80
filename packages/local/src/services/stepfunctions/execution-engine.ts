// aws-local-stepfunctions declares ES module types but ships a CommonJS build, which this
// CommonJS package loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions', { with: { 'resolution-mode': 'import' } });
import { LocalStateMachine } from '../../model/pipeline-model';
import { RuntimeEvents, TaskIntegration } from '../task-integration';

/** How one execution ended. */
export interface ExecutionOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED';
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
}

export interface ExecutionEngineOptions {
  /**
   * Multiplies Wait states and retry intervals: 1 waits as the definition says, 0.01 makes a
   * 5 s wait 50 ms. A wait whose length comes from the state's input (`SecondsPath`) becomes
   * the scale times its state's first value, which the engine cannot know: the scale times 5 s.
   */
  readonly timeScale: number;
  readonly events: RuntimeEvents;
}

/** Seconds a `SecondsPath` or `TimestampPath` wait is taken to be when waits are compressed. */
const COMPRESSED_PATH_WAIT_SECONDS = 5;

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
  private readonly tasks: Array<{ readonly stateName: string; readonly resource: string; readonly integration?: TaskIntegration }>;
  private readonly waitTimeOverrides?: Record<string, number>;
  private readonly retryIntervalOverrides?: Record<string, number[]>;

  public constructor(
    private readonly stateMachine: LocalStateMachine,
    integrations: readonly TaskIntegration[],
    private readonly options: ExecutionEngineOptions,
  ) {
    // ARNs are local ones, which the library's ARN check would refuse as foreign.
    this.machine = new StateMachine(stateMachine.definition as ConstructorParameters<typeof StateMachine>[0],
      { validationOptions: { checkArn: false } });
    const tasks = taskStates(stateMachine.definition);
    this.tasks = tasks.map(([stateName, state]) => ({
      stateName,
      resource: state.Resource,
      integration: integrations.find((candidate) => candidate.handles(state.Resource)),
    }));
    if (options.timeScale !== 1) {
      const scaled = (seconds: number) => Math.max(1, Math.round(seconds * 1000 * options.timeScale));
      // Waits and retriers inside Map and Parallel states too: the library applies overrides by state name at any depth.
      const states = allStates(stateMachine.definition);
      this.waitTimeOverrides = Object.fromEntries(states.filter(([, state]) => state.Type === 'Wait')
        .map(([name, state]) => [name, scaled(typeof state.Seconds === 'number' ? state.Seconds : COMPRESSED_PATH_WAIT_SECONDS)]));
      this.retryIntervalOverrides = Object.fromEntries(states.filter(([, state]) => state.Retry)
        .map(([name, state]) => [name, (state.Retry as Array<{ IntervalSeconds?: number }>).map((retrier) => scaled(retrier.IntervalSeconds ?? 1))]));
    }
  }

  /** Runs one execution to its end. */
  public async run(request: ExecutionRequest): Promise<ExecutionOutcome> {
    const startedAt = Date.now();
    const input = JSON.parse(JSON.stringify(request.input ?? {}));
    // aws-local-stepfunctions calls a handler with the state's parameters only: the
    // handlers of each execution are made for it, so that concurrent executions stay apart.
    const handlers = Object.fromEntries(this.tasks.map(({ stateName, resource, integration }) => [stateName, async (parameters: any) => {
      if (!integration) {
        const error = new Error(`the local runtime does not emulate ${resource} (state '${stateName}')`);
        error.name = 'States.TaskFailed';
        throw error;
      }
      const result = await integration.call({ resource, stateName, parameters, execution: { name: request.name, arn: request.arn } });
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
    let transitions = 0;
    const counting = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'StateEntered' || event.type === 'StateRetried') {
          transitions++;
        }
        if (event.type === 'StateEntered') {
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
      const failure = error as { name: string; message: string; cause?: { name?: string; message?: string } };
      return {
        status: 'FAILED',
        error: failure.cause?.name ?? failure.name,
        cause: failure.cause?.message ?? failure.message,
        transitions,
        startedAt,
        stoppedAt: Date.now(),
      };
    }
  }
}
