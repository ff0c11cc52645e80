import { StartedExecution } from './step-functions-service';
import { LocalStateMachine } from '../../model/pipeline-model';

/** One event of GetExecutionHistory, in Step Functions' `HistoryEvent` shape. */
export interface HistoryEvent {
  readonly timestamp: Date;
  readonly type: string;
  readonly id: number;
  readonly previousEventId: number;
  readonly [details: string]: unknown;
}

/** Every state of a definition by name (nested Map and Parallel states included): the types the user wrote. */
function statesByName(definition: Record<string, any>, into = new Map<string, Record<string, any>>()): Map<string, Record<string, any>> {
  for (const [name, state] of Object.entries<Record<string, any>>(definition.States ?? {})) {
    into.set(name, state);
    for (const nested of [state.Iterator, state.ItemProcessor, ...(state.Branches ?? [])]) {
      if (nested) statesByName(nested, into);
    }
  }
  return into;
}

/** `arn:aws:states:::batch:submitJob.sync` → `batch` / `submitJob.sync`; a function ARN → `lambda` / `invoke`. */
function taskResource(resource: string): { resourceType: string; resource: string } {
  const integration = /^arn:[a-z-]+:states:::(aws-sdk:[^:]+|[^:]+):(.+)$/.exec(resource);
  if (integration) return { resourceType: integration[1], resource: integration[2] };
  if (/^arn:[a-z-]+:lambda:/.test(resource)) return { resourceType: 'lambda', resource: 'invoke' };
  return { resourceType: 'activity', resource };
}

const json = (value: unknown): string => JSON.stringify(value ?? null);

/**
 * The history of an execution, oldest first, made from the events aws-local-stepfunctions
 * reported: `ExecutionStarted`, `<Type>StateEntered`/`<Type>StateExited` (the state's type as
 * the definition has it), `TaskScheduled` (with the parameters the call was made with)/`TaskStarted`/`TaskSubmitted` (a `.sync` Batch job, with
 * SubmitJob's answer)/`TaskSucceeded` (the service's answer, before the state's ResultSelector and
 * ResultPath)/`TaskFailed` for a Task (again after a retry; a failure a Catch caught is followed by `TaskStateExited`
 * only, never by `TaskSucceeded`), `MapIterationStarted`/`...Succeeded`/`...Failed`, and the execution's end
 * (`ExecutionSucceeded`, `ExecutionFailed`, `ExecutionAborted`). Each `previousEventId` is the
 * event before it: the local engine does not report which event caused which.
 */
export function executionHistory(execution: StartedExecution, stateMachine: LocalStateMachine): HistoryEvent[] {
  const states = statesByName(stateMachine.definition);
  const roleArn = `arn:aws:iam::${stateMachine.arn.split(':')[4]}:role/${stateMachine.name}-role`;
  const history: HistoryEvent[] = [];
  const add = (timestamp: number, type: string, details: Record<string, unknown> = {}) =>
    history.push({ timestamp: new Date(timestamp), type, id: history.length + 1, previousEventId: history.length, ...details });
  // The runtime's own TaskParameters, TaskSubmitted and TaskResult events, by state, in the order they came: the
  // library's events may reach the list after them, so each is taken when its state's turn comes.
  const answers = {
    TaskParameters: new Map<string, Array<Record<string, any>>>(),
    TaskSubmitted: new Map<string, Array<Record<string, any>>>(),
    TaskResult: new Map<string, Array<Record<string, any>>>(),
  };
  for (const event of execution.events as Array<Record<string, any>>) {
    const byState = answers[event.type as keyof typeof answers];
    if (byState) byState.set(event.state.name, [...(byState.get(event.state.name) ?? []), event]);
  }
  // Task states whose failure a Catch caught: they exit (TaskStateExited) with no TaskSucceeded, as on AWS.
  const caught = new Set<string>();
  const task = (name: string, timestamp: number, input: unknown) => {
    const resource = taskResource(String(states.get(name)?.Resource ?? ''));
    // As on AWS, the parameters the resource was called with (the state's Parameters resolved); the
    // state's input when the call was never made (its Parameters could not be resolved), or in an
    // execution kept by an earlier version of the runtime.
    const called = answers.TaskParameters.get(name)?.shift();
    add(timestamp, 'TaskScheduled',
      { taskScheduledEventDetails: { ...resource, region: stateMachine.arn.split(':')[3], parameters: json(called ? called.output : input) } });
    add(timestamp, 'TaskStarted', { taskStartedEventDetails: resource });
    const submitted = answers.TaskSubmitted.get(name)?.shift();
    if (submitted) {
      add(submitted.timestamp, 'TaskSubmitted',
        { taskSubmittedEventDetails: { ...resource, output: json(submitted.output), outputDetails: { truncated: false } } });
    }
    return resource;
  };
  for (const event of execution.events as Array<Record<string, any>>) {
    const at = event.timestamp as number;
    const name: string | undefined = event.state?.name;
    const type: string = (name && states.get(name)?.Type) || event.state?.type || '';
    switch (event.type) {
      case 'ExecutionStarted':
        add(at, 'ExecutionStarted', { executionStartedEventDetails: { input: execution.input, inputDetails: { truncated: false }, roleArn } });
        break;
      case 'StateEntered':
        add(at, `${type}StateEntered`, { stateEnteredEventDetails: { name, input: json(event.state.input), inputDetails: { truncated: false } } });
        if (type === 'Task') task(name!, at, event.state.input);
        break;
      case 'StateRetried':
        if (type === 'Task') task(name!, at, event.state.input);
        break;
      case 'StateCaught':
        // The library reports StateFailed, StateCaught, then StateExited with the Catch's output.
        caught.add(name!);
        break;
      case 'StateExited':
        if (type === 'Task' && !caught.delete(name!)) {
          // The service's answer as it came (before ResultSelector/ResultPath/OutputPath), as on AWS.
          const answer = answers.TaskResult.get(name!)?.shift();
          add(at, 'TaskSucceeded', {
            taskSucceededEventDetails: {
              ...taskResource(String(states.get(name!)?.Resource
              ?? '')),
              output: json(answer ? answer.output : event.state.output),
              outputDetails: { truncated: false },
            },
          });
        }
        add(at, `${type}StateExited`, { stateExitedEventDetails: { name, output: json(event.state.output), outputDetails: { truncated: false } } });
        break;
      case 'StateFailed':
        if (type === 'Task') {
          add(at, 'TaskFailed', {
            taskFailedEventDetails: {
              ...taskResource(String(states.get(name!)?.Resource
            ?? '')),
              error: event.Error,
              cause: String(event.Cause ?? ''),
            },
          });
        }
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const detailName = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
        add(at, event.type, { [detailName]: { name: event.parentState?.name, index: event.index } });
        break;
      }
      case 'ExecutionSucceeded':
        add(at, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: json(event.output), outputDetails: { truncated: false } } });
        break;
      case 'ExecutionFailed':
        add(at, 'ExecutionFailed', { executionFailedEventDetails: { error: event.Error, cause: String(event.Cause ?? '') } });
        break;
      default:
        // Parallel branch events and aborts: the history marks an abort once, below.
        break;
    }
  }
  if (execution.status === 'ABORTED') {
    add(execution.stopped?.stopDate.getTime() ?? Date.now(), 'ExecutionAborted', {
      executionAbortedEventDetails: {
        ...(execution.stopped?.error !== undefined ? { error: execution.stopped.error } : {}),
        ...(execution.stopped?.cause !== undefined ? { cause: execution.stopped.cause } : {}),
      },
    });
  }
  return history;
}
