import { InvokeCommand } from '@aws-sdk/client-lambda';
import { HistoryEvent } from '@aws-sdk/client-sfn';
import { explainAwsError } from '../target/aws-errors';
import { PipelineTarget } from '../target/pipeline-target';

/**
 * The clean-up a stopped run did not do, as its own state machine would have asked for it: the
 * workspace function (the one function that mounts EFS, inside the VPC) with `action: cleanup`, the
 * run id and the staged path the run's calls carried. EFS is not reachable from outside the VPC, so
 * this is the only way to remove a cancelled run's files without a machine in the VPC.
 */
export interface CleanupCall {
  /** The workspace function, as the run's Task states named it (an ARN on AWS). */
  readonly functionName: string;
  readonly payload: { readonly action: 'cleanup'; readonly runId: string; readonly stagedPath: string };
}

/** What the clean-up did: the paths it removed, or why it did not run. */
export type CleanupOutcome =
  | { readonly removed: readonly string[] }
  | { readonly notRemoved: string };

/**
 * The clean-up call for a run, read from its history: the first call of the workspace function
 * (a `lambda:invoke` Task whose payload has an `action`, a `runId` and a `stagedPath`). Undefined
 * when the run called it never, and so wrote nothing on EFS.
 */
export function cleanupCallOf(events: readonly HistoryEvent[]): CleanupCall | undefined {
  for (const event of events) {
    const scheduled = event.taskScheduledEventDetails;
    if (scheduled?.resourceType !== 'lambda' || !scheduled.parameters) continue;
    let parameters: { FunctionName?: unknown; Payload?: { action?: unknown; runId?: unknown; stagedPath?: unknown } };
    try {
      parameters = JSON.parse(scheduled.parameters);
    } catch {
      continue;
    }
    const payload = parameters.Payload;
    if (typeof parameters.FunctionName === 'string' && typeof payload?.action === 'string'
      && typeof payload.runId === 'string' && typeof payload.stagedPath === 'string') {
      return { functionName: parameters.FunctionName, payload: { action: 'cleanup', runId: payload.runId, stagedPath: payload.stagedPath } };
    }
  }
  return undefined;
}

/**
 * Runs the clean-up through the workspace function and says what it removed. The function keeps
 * a staged file that another run of the same key has claimed, as the state machine's clean-up does.
 */
export async function cleanUpRun(target: PipelineTarget, cleanup: CleanupCall): Promise<CleanupOutcome> {
  let answer;
  try {
    answer = await target.clients.lambda.send(new InvokeCommand({
      FunctionName: cleanup.functionName,
      Payload: Buffer.from(JSON.stringify(cleanup.payload)),
    }));
  } catch (error) {
    const explained = explainAwsError(error, 'Invoke');
    if (explained) throw explained;
    return { notRemoved: `the workspace function could not be invoked (${(error as Error).name}: ${(error as Error).message})` };
  }
  const text = answer.Payload ? Buffer.from(answer.Payload).toString('utf-8') : '';
  let result: { removed?: unknown; errorType?: unknown; errorMessage?: unknown } | undefined;
  try {
    result = text === '' ? undefined : JSON.parse(text);
  } catch {
    result = undefined;
  }
  if (answer.FunctionError) {
    const why = `${String(result?.errorType ?? answer.FunctionError)}: ${String(result?.errorMessage ?? text)}`;
    return { notRemoved: `the workspace function failed (${why})` };
  }
  const removed = Array.isArray(result?.removed) ? result.removed.filter((entry): entry is string => typeof entry === 'string') : [];
  return { removed };
}
