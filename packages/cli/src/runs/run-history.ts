import { HistoryEvent } from '@aws-sdk/client-sfn';

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

/** The Batch job ids (submitJob) and DataSync task execution ARNs (startTaskExecution) a run's tasks returned. */
export function startedResourcesOf(events: readonly HistoryEvent[]): StartedResources {
  const jobIds = new Set<string>();
  const taskExecutionArns = new Set<string>();
  for (const event of events) {
    const details = event.taskSubmittedEventDetails ?? event.taskSucceededEventDetails;
    if (!details) continue;
    const output = parseOutput(details.output) as Record<string, unknown> | undefined;
    if (details.resourceType === 'batch' && typeof output?.JobId === 'string') jobIds.add(output.JobId);
    if (details.resourceType === 'aws-sdk:datasync' && details.resource === 'startTaskExecution' && typeof output?.TaskExecutionArn === 'string') {
      taskExecutionArns.add(output.TaskExecutionArn);
    }
  }
  return { jobIds: [...jobIds], taskExecutionArns: [...taskExecutionArns] };
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
  if (failure) return `  ${type}: ${failure.error ?? ''}${failure.cause ? ` — ${failure.cause.slice(0, 300)}` : ''}`;
  if (type === 'TaskTimedOut' || type === 'ExecutionTimedOut') return `  ${type}`;
  if (type === 'ExecutionAborted') return '  aborted';
  return undefined;
}
