import {
  DescribeExecutionCommand, DescribeExecutionCommandOutput, ExecutionListItem, ExecutionStatus, HistoryEvent, ListExecutionsCommand,
  GetExecutionHistoryCommand,
} from '@aws-sdk/client-sfn';
import { CliError } from '../cli-error';
import { commandHint } from '../output/command-hint';
import { call, PipelineTarget } from '../target/pipeline-target';

/** The execution ARN of a run: the state machine's ARN with `execution` and the run id (the execution name). */
export function executionArnOf(stateMachineArn: string, runId: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
}

/** Step Functions' execution statuses, as `--status` takes them. */
export const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

/** ListExecutions returns at most this many per page. */
export const LIST_PAGE_SIZE = 1000;

/**
 * The pipeline's executions, newest first as ListExecutions returns them, page by page
 * (1,000 each) until `since` or the end; a page is yielded as soon as it arrives.
 */
export async function* listExecutions(
  target: PipelineTarget, options: { status?: ExecutionStatus; since?: Date; pageSize?: number } = {},
): AsyncGenerator<ExecutionListItem[]> {
  let nextToken: string | undefined;
  do {
    const page = await call('ListExecutions', () => target.clients.stepFunctions.send(new ListExecutionsCommand({
      stateMachineArn: target.stateMachineArn, statusFilter: options.status, maxResults: options.pageSize ?? LIST_PAGE_SIZE, nextToken,
    })));
    const executions = page.executions ?? [];
    const recent = options.since ? executions.filter((execution) => (execution.startDate?.getTime() ?? 0) >= options.since!.getTime()) : executions;
    if (recent.length > 0) yield recent;
    // Newest first: once a page reaches past `since`, no later page is recent enough.
    if (recent.length < executions.length) return;
    nextToken = page.nextToken;
  } while (nextToken);
}

/** DescribeExecution of a run; a run that does not exist is a CliError that says how to find one. */
export async function describeRun(target: PipelineTarget, runId: string): Promise<DescribeExecutionCommandOutput> {
  const executionArn = runId.startsWith('arn:') ? runId : executionArnOf(target.stateMachineArn, runId);
  try {
    return await call('DescribeExecution', () => target.clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn })));
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist' || (error as Error).name === 'InvalidArn') {
      throw new CliError(`there is no run ${runId} in ${target.stackName}`,
        `list the runs with \`${commandHint('runs', target.targetArgs)}\` and pass a name from its first column`);
    }
    throw error;
  }
}

/** The run's history events from `afterEventId` on (oldest first), every page. */
export async function historyOf(target: PipelineTarget, executionArn: string, afterEventId = 0): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call('GetExecutionHistory', () => target.clients.stepFunctions.send(new GetExecutionHistoryCommand({
      executionArn, maxResults: 1000, nextToken, includeExecutionData: true,
    })));
    events.push(...(page.events ?? []).filter((event) => (event.id ?? 0) > afterEventId));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The latest events of a run, newest first (one page of GetExecutionHistory with reverseOrder). */
export async function latestEventsOf(target: PipelineTarget, executionArn: string, count = 100): Promise<HistoryEvent[]> {
  const page = await call('GetExecutionHistory', () => target.clients.stepFunctions.send(new GetExecutionHistoryCommand({
    executionArn, maxResults: count, reverseOrder: true, includeExecutionData: true,
  })));
  return page.events ?? [];
}
