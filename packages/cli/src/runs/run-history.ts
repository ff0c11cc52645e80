import { HistoryEvent } from '@aws-sdk/client-sfn';
import { readableCause } from '../output/failure-cause';

/** The name of the state an event belongs to: the latest StateEntered event before it. */
function stateOf(events: readonly HistoryEvent[], eventId: number): string | undefined {
  let name: string | undefined;
  let enteredAt = -1;
  for (const event of events) {
    const id = event.id ?? 0;
    if (id < eventId && id > enteredAt && event.stateEnteredEventDetails?.name && event.type?.endsWith('StateEntered')) {
      name = event.stateEnteredEventDetails.name;
      enteredAt = id;
    }
  }
  return name;
}

const FAILURE = /(Failed|TimedOut)$/;

/**
 * The step that failed: the state of the first task or state failure of the run (what the
 * failure path then caught), or of the execution's own failure. Events in any order.
 */
export function failedStepOf(events: readonly HistoryEvent[]): string | undefined {
  const sorted = [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  const failure = sorted.find((event) => FAILURE.test(event.type ?? '') && !(event.type ?? '').startsWith('Execution'));
  if (failure) return stateOf(sorted, failure.id ?? 0);
  const ended = sorted.find((event) => FAILURE.test(event.type ?? ''));
  return ended ? stateOf(sorted, ended.id ?? 0) : undefined;
}

/** What a run started that may still be going: Batch jobs and DataSync task executions, from the task outputs. */
export interface StartedResources {
  readonly jobIds: string[];
  readonly taskExecutionArns: string[];
}

function parseOutput(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Every value of a key named `JobId`/`jobId` (Batch) or `TaskExecutionArn` (DataSync) in a task's or state's output. */
function collect(value: unknown, into: { jobIds: Set<string>; taskExecutionArns: Set<string> }): void {
  if (Array.isArray(value)) {
    value.forEach((item) => collect(item, into));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if ((key === 'JobId' || key === 'jobId') && typeof item === 'string') into.jobIds.add(item);
      else if (key === 'TaskExecutionArn' && typeof item === 'string' && item.includes(':datasync:')) into.taskExecutionArns.add(item);
      else collect(item, into);
    }
  }
}

/**
 * The Batch job ids and DataSync task execution ARNs a run started: from what its tasks returned
 * (`TaskSubmitted` of submitJob carries the JobId, `TaskSucceeded` the service's answer, on AWS
 * and in the local runtime's history alike).
 */
export function startedResourcesOf(events: readonly HistoryEvent[]): StartedResources {
  const found = { jobIds: new Set<string>(), taskExecutionArns: new Set<string>() };
  for (const event of events) {
    // A failed .sync Batch task's cause is the job's description (JobId, log streams): a failed run's job.
    const output = event.taskSubmittedEventDetails?.output ?? event.taskSucceededEventDetails?.output
      ?? (event.taskFailedEventDetails?.resourceType === 'batch' ? event.taskFailedEventDetails.cause : undefined);
    if (output) collect(parseOutput(output), found);
  }
  return { jobIds: [...found.jobIds], taskExecutionArns: [...found.taskExecutionArns] };
}

/** The name of each job the run submitted, by job id (TaskSubmitted of submitJob carries JobId and JobName). */
export function submittedJobNamesOf(events: readonly HistoryEvent[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const event of events) {
    if (event.taskSubmittedEventDetails?.resourceType !== 'batch') continue;
    const output = parseOutput(event.taskSubmittedEventDetails.output) as { JobId?: unknown; JobName?: unknown } | undefined;
    if (typeof output?.JobId === 'string' && typeof output.JobName === 'string') names.set(output.JobId, output.JobName);
  }
  return names;
}

/** One line for a history event a person follows: state entries, task outcomes, the end. */
export function describeEvent(event: HistoryEvent): string | undefined {
  const type = event.type ?? '';
  if (event.stateEnteredEventDetails?.name && type.endsWith('StateEntered')) return `→ ${event.stateEnteredEventDetails.name}`;
  if (type === 'TaskSubmitted' && event.taskSubmittedEventDetails?.resourceType === 'batch') {
    const output = parseOutput(event.taskSubmittedEventDetails.output) as { JobId?: string; JobName?: string } | undefined;
    return `  job submitted: ${output?.JobName ?? ''} (${output?.JobId ?? 'no id'})`;
  }
  const failure = event.taskFailedEventDetails ?? event.lambdaFunctionFailedEventDetails ?? event.executionFailedEventDetails;
  if (failure) return `  ${type}: ${failure.error ?? ''}${failure.cause ? ` — ${readableCause(failure.cause, 300)}` : ''}`;
  if (type === 'TaskTimedOut' || type === 'ExecutionTimedOut') return `  ${type}`;
  if (type === 'ExecutionAborted') return '  aborted';
  return undefined;
}
