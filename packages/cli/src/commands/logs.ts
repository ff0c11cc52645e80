import { FilterLogEventsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { intervalOf } from './follow';
import { EXIT } from '../cli-error';
import { Command } from '../command';
import { parseRunCommandLine, TARGET_USAGE } from '../command-line';
import { formatTime } from '../output/format';
import { describeRun, historyOf } from '../runs/executions';
import { describeJobs, FINAL_STATES, logStreamsOf } from '../runs/job-status';
import { startedResourcesOf, submittedJobNamesOf } from '../runs/run-history';
import { RunWindow, unavailableJobLinesNotice, undescribedJobStreams } from '../runs/undescribed-job-streams';
import { call, PipelineTarget, resolveTarget } from '../target/pipeline-target';

const USAGE = `Usage: batch-pipeline logs <run> [--follow] <target>

The run's log lines: its Batch job's (each attempt's log stream, from DescribeJobs) and the
workspace function's lines that name the run (its log group, filtered by the run id). A job
DescribeJobs no longer knows (Batch forgets jobs; a served runtime those of an earlier session)
is looked for in its job definition's log group (the template's): its stream
<definition>/default/<job name>, or the streams whose lines name the job or the run.
  --follow        keep printing new lines until the run ends (a running job's lines show once
                  Batch names its log stream)
  --interval <s>  seconds between reads with --follow (default 2)
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

/**
 * How the jobs DescribeJobs does not describe are looked for, and where it is said once that a
 * job's lines cannot be shown (yet): the run, its time window and its jobs' names (from its history).
 */
export interface JobLookup {
  readonly window: RunWindow;
  readonly jobNames: ReadonlyMap<string, string>;
  readonly notice: (line: string) => void;
  /** What was said already (a job id and what), so that --follow says it once. */
  readonly noticed: Set<string>;
}

/** The lines of one stream from where the cursor stopped. */
async function streamLines(target: PipelineTarget, logGroup: string, logStream: string, source: string, cursor: Cursor): Promise<RunLogLine[]> {
  const lines: RunLogLine[] = [];
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
      lines.push({ source, timestamp: event.timestamp ?? 0, message: (event.message ?? '').trimEnd() });
    }
    // GetLogEvents returns the same forward token at the end of the stream.
    if (!page.nextForwardToken || page.nextForwardToken === token) break;
    token = page.nextForwardToken;
  }
  cursor.streams.set(key, token);
  return lines;
}

function noticeOnce(lookup: JobLookup | undefined, key: string, line: string): void {
  if (!lookup || lookup.noticed.has(key)) return;
  lookup.noticed.add(key);
  lookup.notice(line);
}

/**
 * The lines of the run's jobs: each attempt's stream as DescribeJobs names it; for a job
 * DescribeJobs no longer knows (Batch forgets jobs, a served runtime those of an earlier
 * session), the streams found from the template's log group and the run (`lookup`), or one notice
 * that they are not available and where to look.
 */
export async function jobLines(target: PipelineTarget, jobIds: string[], cursor: Cursor, lookup?: JobLookup): Promise<RunLogLine[]> {
  const lines: RunLogLine[] = [];
  const described = await describeJobs(target, jobIds);
  for (const job of described) {
    const streams = logStreamsOf(job, target.jobLogGroups);
    if (streams.length === 0 && !FINAL_STATES.has(job.status ?? '')) {
      noticeOnce(lookup, `${job.jobId} waits`, `job ${job.jobName ?? job.jobId} is ${job.status}: its lines show once Batch names its `
        + 'log stream (DescribeJobs logStreamName)');
    }
    for (const { logGroup, logStream } of streams) {
      lines.push(...await streamLines(target, logGroup, logStream, `job ${job.jobName ?? job.jobId}`, cursor));
    }
  }
  if (!lookup) return lines;
  const known = new Set(described.map((job) => job.jobId));
  for (const jobId of jobIds.filter((id) => !known.has(id))) {
    const job = { jobId, jobName: lookup.jobNames.get(jobId) };
    const streams = await undescribedJobStreams(target, job, lookup.window);
    if (streams.length === 0) noticeOnce(lookup, `${jobId} unavailable`, unavailableJobLinesNotice(target, job, lookup.window));
    for (const { logGroup, logStream } of streams) {
      lines.push(...await streamLines(target, logGroup, logStream, `job ${job.jobName ?? jobId}`, cursor));
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
    const noticed = new Set<string>();
    for (;;) {
      const events = await historyOf(target, described.executionArn!);
      const { jobIds } = startedResourcesOf(events);
      const lookup: JobLookup = {
        window: { runId: runIdOfInput, from: functionFrom, to: described.stopDate ? described.stopDate.getTime() + 60_000 : undefined },
        jobNames: submittedJobNamesOf(events),
        notice: output.note,
        noticed,
      };
      const lines = [...await jobLines(target, jobIds, cursor, lookup), ...await functionLines(target, runIdOfInput, cursor)]
        .sort((a, b) => a.timestamp - b.timestamp);
      all.push(...lines);
      if (!command.json) lines.forEach((line) => output.print(`${formatTime(new Date(line.timestamp))}  [${line.source}] ${line.message}`));
      if (!command.values.follow || described.status !== 'RUNNING') break;
      await sleep(intervalOf(command.values.interval));
      described = await describeRun(target, described.executionArn!);
    }
    if (command.json) output.print(JSON.stringify(all, undefined, 2));
    else if (all.length === 0) output.note(`no log lines for ${runId} yet (a job writes once its container runs)`);
    return EXIT.ok;
  },
};
