import { FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { EXIT } from '../cli-error';
import { Command } from '../command';
import { parseRunCommandLine, TARGET_USAGE } from '../command-line';
import { formatTime } from '../output/format';
import { describeRun, historyOf } from '../runs/executions';
import { describeJobs, logStreamsOf } from '../runs/job-status';
import { startedResourcesOf } from '../runs/run-history';
import { call, PipelineTarget, resolveTarget } from '../target/pipeline-target';

const USAGE = `Usage: batch-pipeline logs <run> [--follow] <target>

The run's log lines: its Batch job's (each attempt's log stream, from DescribeJobs) and the
workspace function's lines that name the run (its log group, filtered by the run id).
  --follow        keep printing new lines until the run ends
${TARGET_USAGE}`;

/** One log line of a run. */
export interface RunLogLine {
  readonly source: string;
  readonly timestamp: number;
  readonly message: string;
}

/** Where the reading of each source stopped, so that --follow prints only new lines. */
export interface Cursor {
  readonly streams: Map<string, string | undefined>;
  functionFrom: number;
  readonly seenFunctionEvents: Set<string>;
}

export async function jobLines(target: PipelineTarget, jobIds: string[], cursor: Cursor): Promise<RunLogLine[]> {
  const lines: RunLogLine[] = [];
  for (const job of await describeJobs(target, jobIds)) {
    for (const { logGroup, logStream } of logStreamsOf(job, target.jobLogGroups)) {
      const key = `${logGroup}\n${logStream}`;
      let token = cursor.streams.get(key);
      for (;;) {
        let page;
        try {
          page = await call('GetLogEvents', () => target.clients.logs.send(new GetLogEventsCommand({
            logGroupName: logGroup, logStreamName: logStream, startFromHead: true, nextToken: token,
          })));
        } catch (error) {
          // The stream exists once the container wrote its first line.
          if ((error as Error).name === 'ResourceNotFoundException') break;
          throw error;
        }
        for (const event of page.events ?? []) {
          lines.push({ source: `job ${job.jobName ?? job.jobId}`, timestamp: event.timestamp ?? 0, message: (event.message ?? '').trimEnd() });
        }
        // GetLogEvents returns the same forward token at the end of the stream.
        if (!page.nextForwardToken || page.nextForwardToken === token) break;
        token = page.nextForwardToken;
      }
      cursor.streams.set(key, token);
    }
  }
  return lines;
}

export async function functionLines(target: PipelineTarget, runId: string, cursor: Cursor): Promise<RunLogLine[]> {
  const fn = target.workspaceFunction;
  if (!fn) return [];
  const lines: RunLogLine[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await call('FilterLogEvents', () => target.clients.logs.send(new FilterLogEventsCommand({
        logGroupName: fn.logGroup, filterPattern: `"${runId}"`, startTime: cursor.functionFrom, nextToken,
      })));
      for (const event of page.events ?? []) {
        if (cursor.seenFunctionEvents.has(event.eventId ?? '')) continue;
        cursor.seenFunctionEvents.add(event.eventId ?? '');
        lines.push({ source: `function ${fn.name}`, timestamp: event.timestamp ?? 0, message: (event.message ?? '').trimEnd() });
      }
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  return lines;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const logsCommand: Command = {
  name: 'logs',
  summary: 'print a run\'s job log lines and its workspace function\'s lines (--follow)',
  async run(args, output) {
    const command = parseRunCommandLine('logs', args, { follow: { type: 'boolean' }, interval: { type: 'string' } }, USAGE, output);
    if (!command) return EXIT.ok;
    const runId = command.runId;
    const target = await resolveTarget(command);
    let described = await describeRun(target, runId);
    const runIdOfInput = (JSON.parse(described.input ?? '{}') as { runId?: string }).runId ?? described.name!;
    // The function's lines of the run start with the run (a minute of clock skew allowed).
    const functionFrom = (described.startDate?.getTime() ?? Date.now()) - 60_000;
    const cursor: Cursor = { streams: new Map(), functionFrom, seenFunctionEvents: new Set() };
    const all: RunLogLine[] = [];
    for (;;) {
      const { jobIds } = startedResourcesOf(await historyOf(target, described.executionArn!));
      const lines = [...await jobLines(target, jobIds, cursor), ...await functionLines(target, runIdOfInput, cursor)]
        .sort((a, b) => a.timestamp - b.timestamp);
      all.push(...lines);
      if (!command.json) lines.forEach((line) => output.print(`${formatTime(new Date(line.timestamp))}  [${line.source}] ${line.message}`));
      if (!command.values.follow || described.status !== 'RUNNING') break;
      await sleep(2_000);
      described = await describeRun(target, described.executionArn!);
    }
    if (command.json) output.print(JSON.stringify(all, undefined, 2));
    else if (all.length === 0) output.note(`no log lines for ${runId} yet (a job writes once its container runs)`);
    return EXIT.ok;
  },
};
