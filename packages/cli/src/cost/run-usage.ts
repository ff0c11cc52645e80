import { JobDetail } from '@aws-sdk/client-batch';
import { HistoryEvent } from '@aws-sdk/client-sfn';

/** A Batch job on Fargate: vCPU, memory and the seconds Fargate bills. */
export interface JobUsage {
  readonly jobId: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly billedSeconds: number;
  readonly spot: boolean;
}

/** What one run used, in the units AWS bills. */
export interface RunUsage {
  readonly runId: string;
  /** Standard state transitions: states entered, plus task retries. */
  readonly transitions: number;
  /** Lambda invocations of the state machine's tasks, each with its billed GB-seconds. */
  readonly lambda: ReadonlyArray<{ readonly function: string; readonly ms: number; readonly memoryMiB: number }>;
  /** Batch jobs on Fargate: vCPU, memory and the seconds Fargate bills (1 minute at least). */
  readonly jobs: readonly JobUsage[];
  /** Bytes the run's DataSync task executions copied (stage-in and stage-out), 0 without DataSync. */
  readonly dataSyncBytes: number;
  readonly s3PutRequests: number;
  readonly s3GetRequests: number;
  readonly snsPublishes: number;
}

/** Fargate bills per second with a minimum of one minute. */
export const FARGATE_MINIMUM_SECONDS = 60;

function parse(text: string | undefined): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Transitions as Step Functions bills them: every state entered, and each task attempt after the first. */
export function transitionsOf(events: readonly HistoryEvent[]): number {
  const entered = events.filter((event) => event.type?.endsWith('StateEntered')).length;
  const taskStates = events.filter((event) => event.type === 'TaskStateEntered').length;
  const scheduled = events.filter((event) => event.type === 'TaskScheduled' || event.type === 'LambdaFunctionScheduled').length;
  return entered + Math.max(0, scheduled - taskStates);
}

/** The function a task invoked: its name from `FunctionName` (a name or an ARN, maybe with a qualifier). */
export function functionNameOf(parameters: any): string | undefined {
  const name = parameters?.FunctionName;
  if (typeof name !== 'string') return undefined;
  const arn = /^arn:[^:]+:lambda:[^:]+:[^:]+:function:([^:]+)/.exec(name);
  return arn ? arn[1] : name.split(':')[0];
}

/**
 * The Lambda invocations of a run's tasks: from each TaskScheduled of resource type `lambda` to
 * its TaskSucceeded or TaskFailed (the time Step Functions waited, which includes the invoke's
 * round trip: at least what Lambda bills, rounded up to the millisecond).
 */
export function lambdaInvocationsOf(
  events: readonly HistoryEvent[],
  memoryOf: (functionName: string) => number,
  functionOfState: (state: string) => string | undefined = () => undefined,
): RunUsage['lambda'] {
  const invocations: Array<{ function: string; ms: number; memoryMiB: number }> = [];
  let state = '';
  events.forEach((event, index) => {
    if (event.type?.endsWith('StateEntered')) state = event.stateEnteredEventDetails?.name ?? '';
    if (event.type !== 'TaskScheduled' || event.taskScheduledEventDetails?.resourceType !== 'lambda') return;
    // AWS records the task's resolved parameters; a history that records the state's input instead
    // (the local runtime's) leaves the function to the state's definition.
    const name = functionNameOf(parse(event.taskScheduledEventDetails.parameters)) ?? functionOfState(state) ?? 'unknown';
    const end = events.slice(index + 1).find((later) => later.previousEventId !== undefined
      && ['TaskSucceeded', 'TaskFailed', 'TaskTimedOut'].includes(later.type ?? '')
      && later.timestamp !== undefined && isAfter(events, later, event));
    const ms = end?.timestamp && event.timestamp ? Math.max(1, Math.ceil(end.timestamp.getTime() - event.timestamp.getTime())) : 1;
    invocations.push({ function: name, ms, memoryMiB: memoryOf(name) });
  });
  return invocations;
}

/** Whether `end` closes the task `scheduled` opened: the first task end after it in the same state. */
function isAfter(events: readonly HistoryEvent[], end: HistoryEvent, scheduled: HistoryEvent): boolean {
  const between = events.filter((event) => (event.id ?? 0) > (scheduled.id ?? 0) && (event.id ?? 0) < (end.id ?? 0));
  return !between.some((event) => event.type === 'TaskScheduled');
}

/** SNS publishes of a run's tasks (`arn:aws:states:::sns:publish`). */
export function snsPublishesOf(events: readonly HistoryEvent[]): number {
  return events.filter((event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resourceType === 'sns').length;
}

/** Whether the run staged through DataSync (a task of resource type `datasync`, or the SDK integration). */
export function usesDataSync(events: readonly HistoryEvent[]): boolean {
  return events.some((event) => event.type === 'TaskScheduled' && /datasync/i.test(event.taskScheduledEventDetails?.resourceType ?? ''));
}

/** A Batch job's billed Fargate usage: its vCPU and memory for the time it ran, at least one minute. */
export function jobUsageOf(job: JobDetail, spot: boolean, fallback: { vcpus?: number; memoryMiB?: number }): JobUsage {
  const requirements = job.container?.resourceRequirements ?? [];
  const vcpus = Number(requirements.find((requirement) => requirement.type === 'VCPU')?.value ?? fallback.vcpus ?? 0.25);
  const memoryMiB = Number(requirements.find((requirement) => requirement.type === 'MEMORY')?.value ?? fallback.memoryMiB ?? 512);
  const ranSeconds = job.startedAt !== undefined && job.stoppedAt !== undefined ? Math.max(0, (job.stoppedAt - job.startedAt) / 1000) : 0;
  return { jobId: job.jobId ?? '', vcpus, memoryMiB, billedSeconds: Math.max(FARGATE_MINIMUM_SECONDS, Math.ceil(ranSeconds)), spot };
}

/** The run's input (the execution input the trigger built): its size and whether it names an object. */
export function inputSizeOf(executionInput: string | undefined): number {
  const input = parse(executionInput);
  return typeof input?.size === 'number' ? input.size : 0;
}
