/**
 * One execution of the synthesized definition, run by aws-local-stepfunctions,
 * with every Task state answered by the shared service model on the virtual clock.
 *
 * The library waits on the wall clock (Wait states, task and execution
 * timeouts). So every Wait state is overridden to 0 and its real duration is
 * taken on the virtual clock by the call that follows it (the status check
 * sleeps the poll wait, doubling up to the cap as the definition does; checked
 * against the waits the definition asked for at the end of the run). Task
 * timeouts and the run timeout are taken off the definition the library runs and
 * enforced on the virtual clock instead, where they can matter (Batch queueing,
 * direct copies, the run).
 */
// aws-local-stepfunctions declares ES module types but ships a CommonJS build, which ts-node loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions', { with: { 'resolution-mode': 'import' } });
import { SERVICE_MODEL } from './service-model';
import { DataSyncTask, SharedServices } from './shared-services';
import { ClockProcess } from './virtual-clock';
import { FailedRun, failureNotice } from '../src/private/failure-notice';
import { flowEvents, taskEvents, totalEvents } from '../src/private/history-budget';
import { RunInput } from '../src/trigger/run-input';
import { serviceError } from '@batch-pipeline/local';

type LocalStateMachine = InstanceType<typeof StateMachine>;
type Handler = (request: any) => Promise<any>;

/** What one modelled run did. */
export interface ModelRunOutcome {
  readonly runId: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  /** `failedStep` of the failure notification, for failed runs. */
  readonly failedStep?: string;
  /** `error` of the failure notification, or the execution's error when none was published. */
  readonly error?: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** When the run's report landed in the reports bucket (successful runs). */
  readonly reportAt?: number;
  /** States entered plus retries: what Step Functions bills as state transitions. */
  readonly transitions: number;
  /** Execution history events, counted by the rules of src/private/history-budget.ts. */
  readonly historyEvents: number;
  /** Which way the run staged: 'direct' or 'DataSync', in and out. */
  readonly stagedIn?: 'direct' | 'DataSync';
  readonly stagedOut?: 'direct' | 'DataSync';
  /** Seconds the services themselves worked for this run: DataSync executions once started, the Batch job (start and run). */
  readonly serviceSeconds: number;
}

/** What the job writes, per run. */
export interface ModelJob {
  readonly runSeconds: number;
  readonly outputBytes: number;
}

/** The definition aws-local-stepfunctions runs and what the model takes from the original. */
export interface ModelDefinition {
  readonly machine: LocalStateMachine;
  readonly states: Record<string, any>;
  /** The run timeout (the definition's TimeoutSeconds). */
  readonly runTimeoutSeconds?: number;
  readonly waitStates: string[];
}

/**
 * Prepares the synthesized definition for the model: Task and execution
 * timeouts are removed (the model enforces them on the virtual clock; the
 * library's would fire on the wall clock), the rest is unchanged.
 */
export function modelDefinition(definition: Record<string, any>): ModelDefinition {
  const runnable = JSON.parse(JSON.stringify(definition));
  delete runnable.TimeoutSeconds;
  for (const state of Object.values(runnable.States) as any[]) {
    if (state.Type === 'Task') {
      delete state.TimeoutSeconds;
    }
  }
  return {
    machine: new StateMachine(runnable, { validationOptions: { checkArn: false } }),
    states: definition.States,
    runTimeoutSeconds: definition.TimeoutSeconds,
    waitStates: Object.entries(definition.States).filter(([, state]: [string, any]) => state.Type === 'Wait').map(([name]) => name),
  };
}

const ATTEMPT_EVENTS = taskEvents(1) - taskEvents(0);

/** One DataSync stage of a run: its task, its execution and the poll wait the model sleeps next. */
class ModelTransferStage {
  public executionArn?: string;
  public serviceSeconds = 0;
  /** The waits slept before status checks, to compare with the ones the definition asked for. */
  public readonly waitsSlept: number[] = [];
  private nextWait = 0;

  constructor(
    private readonly task: DataSyncTask,
    private readonly firstWait: number,
    private readonly maxWait: number,
    private readonly cancelWait: number,
  ) {}

  public start(bytes: number): string {
    this.executionArn = this.task.start(bytes);
    this.nextWait = this.firstWait;
    return this.executionArn;
  }

  /** The wait before this status check; the next one doubles, or is the cap once doubling passes it (the definition's Choice). */
  public takeWait(): number {
    const wait = this.nextWait;
    this.waitsSlept.push(wait);
    this.nextWait = wait > this.maxWait / 2 ? this.maxWait : wait * 2;
    return wait;
  }

  public get cancelCheckWait(): number {
    return this.cancelWait;
  }

  public describe(): Record<string, unknown> {
    const response = this.task.describe(this.executionArn!);
    if (response.Status === 'SUCCESS' || response.Status === 'ERROR') {
      const startedAt = this.task.startedAt(this.executionArn!);
      this.serviceSeconds = startedAt === undefined ? 0 : this.task.endedAt(this.executionArn!) - startedAt;
    }
    return response;
  }

  public cancel(): void {
    this.task.cancel(this.executionArn!);
  }

  public landedAt(): number {
    return this.task.endedAt(this.executionArn!);
  }
}

/**
 * Runs one execution as a process on the shared clock and reports what it did.
 */
export async function runOnModel(
  definition: ModelDefinition,
  services: SharedServices,
  input: RunInput,
  job: ModelJob,
  process: ClockProcess,
): Promise<ModelRunOutcome> {
  const clock = services.clock;
  const states = definition.states;
  const startedAt = clock.now;
  const api = () => process.sleep(SERVICE_MODEL.apiCallSeconds);
  const stage = (prefix: 'Stage in' | 'Stage out', task: DataSyncTask) => states[`${prefix}: start`]
    ? new ModelTransferStage(task, states[`${prefix}: start`].ResultSelector.wait, states[`${prefix}: count poll (at cap)`].Parameters.wait, states[`${prefix}: wait for cancel`].Seconds)
    : undefined;
  const stageIn = stage('Stage in', services.stageInTask);
  const stageOut = stage('Stage out', services.stageOutTask);
  let stagedIn: 'direct' | 'DataSync' | undefined;
  let stagedOut: 'direct' | 'DataSync' | undefined;
  let reportAt: number | undefined;
  let failedStep: string | undefined;
  let notifiedError: string | undefined;
  let jobSeconds = 0;
  const runDirectory = `/runs/${input.runId}`;
  const workspaceResult = { inputPath: `${runDirectory}/in/${input.fileName}`, outputDirectory: `${runDirectory}/out` };

  /** A Task state's timeout, on the virtual clock from when the state calls its service. */
  const deadlineOf = (stateName: string) => clock.now + (states[stateName].TimeoutSeconds ?? Infinity);
  const workspaceCall = (answer: () => unknown): Handler => async () =>
    ({ Payload: await services.workspace.invoke(process.sleep, SERVICE_MODEL.lambdaCallSeconds, answer) });
  const directCopy = (stateName: string, bytes: number, answer: () => unknown): Handler => async () => {
    const deadline = deadlineOf(stateName);
    const seconds = services.workspace.copySeconds(bytes);
    if (clock.now + seconds > deadline) {
      await services.workspace.invoke(process.sleep, deadline - clock.now, () => undefined);
      throw serviceError('States.Timeout', `${stateName} did not answer within ${states[stateName].TimeoutSeconds} s`);
    }
    return { Payload: await services.workspace.invoke(process.sleep, seconds, answer) };
  };
  const transferHandlers = (prefix: 'Stage in' | 'Stage out', transfer: ModelTransferStage | undefined, bytes: () => number): Record<string, Handler> => transfer ? {
    [`${prefix}: start`]: async () => {
      await api();
      return { TaskExecutionArn: transfer.start(bytes()) };
    },
    [`${prefix}: check`]: async () => {
      await process.sleep(transfer.takeWait() + SERVICE_MODEL.apiCallSeconds);
      return transfer.describe();
    },
    [`${prefix}: cancel`]: async () => {
      await api();
      transfer.cancel();
      return {};
    },
    [`${prefix}: check cancel`]: async () => {
      await process.sleep(transfer.cancelCheckWait + SERVICE_MODEL.apiCallSeconds);
      return transfer.describe();
    },
  } : {};

  const handlers: Record<string, Handler> = {
    'Stage in directly': directCopy('Stage in directly', input.size, () => {
      stagedIn = 'direct';
      return workspaceResult;
    }),
    'Prepare staging': workspaceCall(() => {
      stagedIn = 'DataSync';
      return { stagingDirectory: '/staging' };
    }),
    ...transferHandlers('Stage in', stageIn, () => input.size),
    'Prepare': workspaceCall(() => workspaceResult),
    'Process': async (request: { JobName: string }) => {
      const deadline = deadlineOf('Process');
      await api();
      const plan = services.batch.submit(job.runSeconds, deadline);
      await process.sleep(plan.endsAt - clock.now);
      if (plan.timedOut) {
        throw serviceError('States.Timeout', `the job of ${request.JobName} did not end within ${states.Process.TimeoutSeconds} s`);
      }
      jobSeconds = SERVICE_MODEL.fargateStartSeconds + job.runSeconds;
      return { JobId: `job-${input.runId}`, JobName: request.JobName, Status: 'SUCCEEDED' };
    },
    'Stage out directly': async (request: { Payload: { maxBytes: number } }) => {
      if (job.outputBytes > request.Payload.maxBytes) {
        // The function sums the output's size, finds it over the threshold and uploads nothing.
        return workspaceCall(() => ({ staged: false, bytes: job.outputBytes, files: 1 }))(request);
      }
      const answer = await directCopy('Stage out directly', job.outputBytes, () => {
        stagedOut = 'direct';
        reportAt = clock.now;
        return { staged: true, bytes: job.outputBytes, files: 1 };
      })(request);
      return answer;
    },
    ...transferHandlers('Stage out', stageOut, () => job.outputBytes),
    'Clean up': workspaceCall(() => ({ removed: [runDirectory] })),
    'Clean up after failure': workspaceCall(() => ({ removed: [runDirectory] })),
    // The formatter is the real one, called as a Lambda function would be (no concurrency limit modelled).
    'Format failure notification': async (request: FailedRun) => {
      await process.sleep(SERVICE_MODEL.lambdaCallSeconds);
      return { Payload: failureNotice(request) };
    },
    'Notify failure': async (request: { MessageAttributes: Record<string, { StringValue: string }> }) => {
      failedStep = request.MessageAttributes.failedStep.StringValue;
      notifiedError = request.MessageAttributes.error.StringValue;
      await api();
      return { MessageId: `message-${input.runId}` };
    },
    'Notify failure unformatted': async (request: { Message: { failedStep: string; error: string } }) => {
      failedStep = request.Message.failedStep;
      notifiedError = request.Message.error;
      await api();
      return { MessageId: `message-${input.runId}` };
    },
    'Count undelivered notification': async () => {
      await api();
      return {};
    },
    'Notify success': async () => {
      await api();
      return { MessageId: `success-${input.runId}` };
    },
  };
  const unanswered = Object.entries(states).filter(([name, state]: [string, any]) => state.Type === 'Task' && !handlers[name]).map(([name]) => name);
  if (unanswered.length > 0) {
    throw new Error(`model run: no modelled service answers ${unanswered.join(', ')}`);
  }

  const execution = definition.machine.run(JSON.parse(JSON.stringify(input)), {
    context: {
      Execution: { Id: `arn:aws:states:eu-west-2:123456789012:execution:Pipeline:${input.runId}`, Name: input.runId },
      StateMachine: { Id: 'arn:aws:states:eu-west-2:123456789012:stateMachine:Pipeline', Name: 'Pipeline' },
    },
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(Object.entries(handlers).map(([name, handler]) =>
        [name, async (request: unknown) => JSON.parse(JSON.stringify(await handler(request)))])),
      waitTimeOverrides: Object.fromEntries(definition.waitStates.map((name) => [name, 0])),
      // No modelled service fails with a retryable error; a retry would not wait on the wall clock either.
      retryIntervalOverrides: Object.fromEntries(Object.entries(states).filter(([, state]: [string, any]) => state.Retry).map(([name]) => [name, 0])),
    },
  });
  let timedOut = false;
  const runTimeout = definition.runTimeoutSeconds === undefined ? undefined : clock.at(startedAt + definition.runTimeoutSeconds, () => {
    timedOut = true;
    process.end();
    execution.abort();
  });

  let transitions = 0;
  let events = 0;
  const waitsAsked: Record<string, number[]> = { 'Stage in': [], 'Stage out': [] };
  const counting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') {
        transitions++;
        const state = states[event.state.name];
        events += state.Type === 'Task' ? taskEvents(0, { sync: String(state.Resource).endsWith('.sync') }) : flowEvents();
        const waitOf = /^(Stage in|Stage out): wait$/.exec(event.state.name);
        if (waitOf) {
          const stateData = event.state.input as { stageIn?: { wait: number }; stageOut?: { wait: number } };
          waitsAsked[waitOf[1]].push((waitOf[1] === 'Stage in' ? stateData.stageIn : stateData.stageOut)!.wait);
        }
      } else if (event.type === 'StateRetried') {
        transitions++;
        events += ATTEMPT_EVENTS;
      }
    }
  })();
  let status: ModelRunOutcome['status'];
  let error: string | undefined;
  try {
    await execution.result;
    status = 'SUCCEEDED';
  } catch (failure) {
    status = timedOut ? 'TIMED_OUT' : 'FAILED';
    error = notifiedError ?? (failure as Error).name;
  }
  runTimeout?.cancel();
  if (!timedOut) {
    await counting;
  }
  for (const [prefix, transfer] of [['Stage in', stageIn], ['Stage out', stageOut]] as const) {
    if (!timedOut && transfer && JSON.stringify(transfer.waitsSlept) !== JSON.stringify(waitsAsked[prefix])) {
      throw new Error(`model run: ${prefix} waits of the model ${JSON.stringify(transfer.waitsSlept)} are not the definition's ${JSON.stringify(waitsAsked[prefix])}`);
    }
  }
  if (status === 'SUCCEEDED' && stagedOut === undefined && stageOut?.executionArn) {
    stagedOut = 'DataSync';
    reportAt = stageOut.landedAt();
  }
  return {
    runId: input.runId,
    status,
    failedStep,
    error,
    startedAt,
    endedAt: clock.now,
    reportAt,
    transitions,
    historyEvents: totalEvents([{ step: 'run', events, remedy: '' }]),
    stagedIn,
    stagedOut,
    serviceSeconds: (stageIn?.serviceSeconds ?? 0) + jobSeconds + (stageOut?.serviceSeconds ?? 0),
  };
}
