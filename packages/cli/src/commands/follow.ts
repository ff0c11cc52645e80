import { HistoryEvent } from '@aws-sdk/client-sfn';
import { CliError, EXIT } from '../cli-error';
import { Command, CliOutput } from '../command';
import { parseRunCommandLine, TARGET_USAGE } from '../command-line';
import { commandHint } from '../output/command-hint';
import { readableCause } from '../output/failure-cause';
import { formatDuration, formatTime } from '../output/format';
import { describeRun, historyOf } from '../runs/executions';
import { describeJobs, WAITING_STATES } from '../runs/job-status';
import { describeEvent, failedStepOf, startedResourcesOf } from '../runs/run-history';
import { PipelineTarget, resolveTarget } from '../target/pipeline-target';
import { reportPrefixOf } from '../target/run-locations';

const USAGE = `Usage: batch-pipeline follow <run> <target>

Prints the run's states as they happen (from its execution history); while its Batch job waits
(SUBMITTED, PENDING, RUNNABLE, STARTING) the job's status reason; at the end the summary.
Exit code 0 when the run succeeded, 1 when it failed, timed out or was aborted.
  --interval <s>  seconds between checks (default 2)
${TARGET_USAGE}`;

/** What `follow` prints at the end, and `--json` gives. */
export interface RunOutcome {
  readonly run: string;
  readonly status: string;
  readonly input?: { readonly bucket?: string; readonly key?: string; readonly versionId?: string | null };
  readonly started?: string;
  readonly durationMs?: number;
  readonly failedStep?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly reports?: string;
  readonly executionArn: string;
}

export interface FollowOptions {
  readonly intervalMs: number;
  /** Lines as they happen; undefined: only the outcome. */
  readonly onLine?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Follows a run until it ends; returns its outcome. */
export async function followRun(target: PipelineTarget, runId: string, options: FollowOptions): Promise<RunOutcome> {
  let described = await describeRun(target, runId);
  const executionArn = described.executionArn!;
  const events: HistoryEvent[] = [];
  const reasons = new Map<string, string>();
  for (;;) {
    const fresh = await historyOf(target, executionArn, events.at(-1)?.id ?? 0);
    events.push(...fresh);
    for (const event of fresh) {
      const line = describeEvent(event);
      if (line) options.onLine?.(`${formatTime(event.timestamp)}  ${line}`);
    }
    if (described.status !== 'RUNNING') break;
    // A job waiting for capacity says why (an image that cannot be pulled, no compute environment ...).
    const { jobIds } = startedResourcesOf(events);
    if (jobIds.length > 0 && options.onLine) {
      for (const job of await describeJobs(target, jobIds)) {
        if (WAITING_STATES.has(job.status ?? '')) {
          const said = `${job.status}: ${job.statusReason ?? 'no status reason yet'}`;
          if (reasons.get(job.jobId!) !== said) options.onLine(`${formatTime(new Date())}    job ${job.jobName} ${said}`);
          reasons.set(job.jobId!, said);
        }
      }
    }
    await sleep(options.intervalMs);
    described = await describeRun(target, executionArn);
  }
  const input = JSON.parse(described.input ?? '{}') as { runId?: string; bucket?: string; key?: string; versionId?: string | null };
  const ended = described.stopDate?.getTime();
  return {
    run: described.name!,
    status: described.status!,
    input: { bucket: input.bucket, key: input.key, versionId: input.versionId },
    started: described.startDate?.toISOString(),
    durationMs: ended && described.startDate ? ended - described.startDate.getTime() : undefined,
    ...(described.status !== 'SUCCEEDED' ? { failedStep: failedStepOf(events), error: described.error, cause: described.cause } : {}),
    ...(target.reports ? { reports: `s3://${target.reports.bucket}/${reportPrefixOf(target.reports, input.runId ?? described.name!)}` } : {}),
    executionArn,
  };
}

/** The summary lines of an outcome. */
export function printOutcome(outcome: RunOutcome, output: CliOutput, targetArgs = ''): void {
  output.print(`\nrun ${outcome.run}: ${outcome.status}${outcome.durationMs !== undefined ? ` in ${formatDuration(outcome.durationMs)}` : ''}`);
  if (outcome.input?.key) {
    output.print(`  input   s3://${outcome.input.bucket}/${outcome.input.key}`
      + `${outcome.input.versionId ? ` (version ${outcome.input.versionId})` : ''}`);
  }
  if (outcome.status === 'SUCCEEDED' && outcome.reports) {
    output.print(`  reports ${outcome.reports} (${commandHint(`fetch ${outcome.run}`, targetArgs)})`);
  }
  if (outcome.failedStep) output.print(`  failed step ${outcome.failedStep}`);
  if (outcome.error) output.print(`  error   ${outcome.error}${outcome.cause ? `: ${readableCause(outcome.cause)}` : ''}`);
  if (outcome.status !== 'SUCCEEDED') output.print(`  logs    ${commandHint(`logs ${outcome.run}`, targetArgs)}`);
}

/** The `--interval` option in milliseconds. */
export function intervalOf(value: string | undefined): number {
  if (value === undefined) return 2_000;
  const seconds = Number(value);
  if (!(seconds >= 0.05 && seconds <= 300)) throw new CliError(`--interval ${value} is not valid`, 'use a number of seconds from 0.05 to 300');
  return seconds * 1_000;
}

export const followCommand: Command = {
  name: 'follow',
  summary: 'print a run\'s states as they happen, why its job waits, and its summary',
  async run(args, output) {
    const command = parseRunCommandLine('follow', args, { interval: { type: 'string' } }, USAGE, output);
    if (!command) return EXIT.ok;
    const runId = command.runId;
    const target = await resolveTarget(command);
    const onLine = command.json ? undefined : output.print;
    const outcome = await followRun(target, runId, { intervalMs: intervalOf(command.values.interval), onLine });
    if (command.json) output.print(JSON.stringify(outcome, undefined, 2));
    else printOutcome(outcome, output, command.targetArgs);
    return outcome.status === 'SUCCEEDED' ? EXIT.ok : EXIT.runFailed;
  },
};
