import { ExecutionListItem, ExecutionStatus } from '@aws-sdk/client-sfn';
import { CliError, EXIT } from '../cli-error';
import { Command } from '../command';
import { parseCommandLine, parseTime, positiveInteger, TARGET_USAGE } from '../command-line';
import { formatDuration, formatTable, formatTime } from '../output/format';
import { describeRun, latestEventsOf, listExecutions, STATUSES } from '../runs/executions';
import { failedStepOf } from '../runs/run-history';
import { PipelineTarget, resolveTarget } from '../target/pipeline-target';

const USAGE = `Usage: batch-pipeline runs [--status S] [--since T] [--limit N] <target>

The pipeline's runs, newest first: run, input key, status, started, duration, failed step.
  --status <S>   only runs in this status: ${STATUSES.join(', ')}
  --since <T>    only runs started since T: an ISO time (2026-12-01T08:00Z) or 30m, 12h, 7d
  --limit <N>    at most N runs (default 50); any N reads as many pages of 1,000 as it needs
${TARGET_USAGE}`;

/** How many runs are described (input, failed step) at the same time. */
const CONCURRENCY = 8;

/** One row of `runs`. */
export interface RunRow {
  readonly run: string;
  readonly inputKey?: string;
  readonly status: string;
  readonly started?: string;
  readonly durationMs?: number;
  readonly failedStep?: string;
}

async function rowOf(target: PipelineTarget, execution: ExecutionListItem, now: number): Promise<RunRow> {
  const described = await describeRun(target, execution.executionArn!);
  let inputKey: string | undefined;
  try {
    inputKey = (JSON.parse(described.input ?? '{}') as { key?: string }).key;
  } catch {
    inputKey = undefined;
  }
  const failed = execution.status === 'FAILED' || execution.status === 'TIMED_OUT' || execution.status === 'ABORTED';
  const failedStep = failed ? failedStepOf(await latestEventsOf(target, execution.executionArn!)) : undefined;
  const start = execution.startDate?.getTime();
  return {
    run: execution.name ?? '',
    inputKey,
    status: execution.status ?? '',
    started: execution.startDate?.toISOString(),
    durationMs: start === undefined ? undefined : (execution.stopDate?.getTime() ?? now) - start,
    ...(failedStep ? { failedStep } : {}),
  };
}

/** `items` mapped `concurrency` at a time, in order. */
export async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]);
    }
  }));
  return results;
}

export const runsCommand: Command = {
  name: 'runs',
  summary: 'list the runs, newest first (run, input key, status, started, duration, failed step)',
  async run(args, output) {
    const command = parseCommandLine('runs', args, { status: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } }, false);
    if (command.help) {
      output.print(USAGE);
      return EXIT.ok;
    }
    const status = command.values.status?.toUpperCase();
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
      throw new CliError(`--status ${command.values.status} is not a status`, `use one of ${STATUSES.join(', ')}`);
    }
    const since = parseTime('since', command.values.since);
    const limit = positiveInteger('limit', command.values.limit, 50);
    const target = await resolveTarget(command);
    const rows: RunRow[] = [];
    const now = Date.now();
    let header = !command.json;
    for await (const page of listExecutions(target, { status: status as ExecutionStatus | undefined, since })) {
      const wanted = page.slice(0, limit - rows.length);
      // Rows are printed page by page: the first ones show before the last page is read.
      for (let start = 0; start < wanted.length; start += 50) {
        const described = await mapConcurrently(wanted.slice(start, start + 50), CONCURRENCY, (execution) => rowOf(target, execution, now));
        rows.push(...described);
        if (!command.json) {
          const lines = formatTable(['RUN', 'INPUT KEY', 'STATUS', 'STARTED', 'DURATION', 'FAILED STEP'], described.map((row) => [
            row.run, row.inputKey ?? '', row.status, formatTime(row.started ? new Date(row.started) : undefined),
            row.durationMs === undefined ? '' : formatDuration(row.durationMs), row.failedStep ?? '',
          ]));
          (header ? lines : lines.slice(1)).forEach((line) => output.print(line));
          header = false;
        }
      }
      if (rows.length >= limit) break;
    }
    if (command.json) {
      output.print(JSON.stringify(rows, undefined, 2));
    } else if (rows.length === 0) {
      output.print(`no runs${status ? ` with status ${status}` : ''}${since ? ` since ${formatTime(since)}` : ''} in ${target.stackName}`);
    }
    return EXIT.ok;
  },
};
